#!/usr/bin/env bash
# Device run: GPU tests and sanitizers (warpgroup MMAs by default for 64-row
# blocks, one stage's MMAs in flight), per-kernel profile of Qwen3 T = 4096
# and T = 1, and the benchmark with the previous default as a variant.
cd "$(dirname "$0")/.."
utils/gpu-tests.sh gpu-artifacts/tests > $OUT/gpu-tests.log 2>&1; echo "gpu-tests rc=$?"
tail -1 $OUT/gpu-tests.log
grep -A6 "== grouped_matmul warpgroup" $OUT/gpu-tests.log | cut -c1-160
for tool in memcheck racecheck synccheck; do
  printf '#!/usr/bin/env bash\nexec compute-sanitizer --tool %s --error-exitcode 9 %s "$@"\n' $tool "$PWD/build-runtime/bin/moe-run" > /tmp/san-$tool.sh
  chmod +x /tmp/san-$tool.sh
  for check in grouped_matmul layers; do
    echo "== $tool $check" >> $OUT/sanitize.log
    timeout 60 python3 test/Integration/CPU/check_$check.py --lib gpu-artifacts/tests/$check.sm_90.so --moe-run /tmp/san-$tool.sh --backend cuda 2>&1 | grep -E "passed|FAIL" >> $OUT/sanitize.log
  done
  echo "== $tool grouped_matmul_warpgroup" >> $OUT/sanitize.log
  timeout 60 python3 test/Integration/GPU/check_grouped_matmul_warpgroup.py --lib gpu-artifacts/tests/grouped_matmul_warpgroup.sm_90.so --moe-run /tmp/san-$tool.sh --backend cuda 2>&1 | grep -E "passed|FAIL" >> $OUT/sanitize.log
done
cat $OUT/sanitize.log
for t in 4096 1; do
  echo "== profile qwen3_235b_tp4 T=$t (warpgroup default)" >> $OUT/profile.txt
  timeout 60 python3 bench/profile_case.py --artifacts gpu-artifacts/bench-wg --backend build-runtime/lib/libmoe_runtime_cuda.so --model qwen3_235b_tp4 --tokens $t >> $OUT/profile.txt 2>&1
done
echo "== profile qwen3_235b_tp4 T=4096 (previous)" >> $OUT/profile.txt
timeout 60 python3 bench/profile_case.py --artifacts gpu-artifacts/bench --backend build-runtime/lib/libmoe_runtime_cuda.so --model qwen3_235b_tp4 --tokens 4096 >> $OUT/profile.txt 2>&1
grep -v "^\s*$" $OUT/profile.txt | cut -c1-150 | head -60
timeout 330 python3 bench/moe_bench.py --artifacts gpu-artifacts/bench-wg --variant previous=gpu-artifacts/bench --backend build-runtime/lib/libmoe_runtime_cuda.so --out $OUT/bench > $OUT/bench.log 2>&1; echo "bench rc=$?"
tail -32 $OUT/bench.log
