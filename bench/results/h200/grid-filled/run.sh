#!/usr/bin/env bash
# Device run: GPU tests and sanitizers with the GEMM grid sized by the
# experts the routes can fill, and the benchmark at T = 1..256 against the
# previous commit's libraries (bench-f) as a variant, all five models.
cd "$(dirname "$0")/.."
utils/gpu-tests.sh gpu-artifacts/tests > $OUT/gpu-tests.log 2>&1; echo "gpu-tests rc=$?"
tail -1 $OUT/gpu-tests.log
for tool in memcheck racecheck; do
  printf '#!/usr/bin/env bash\nexec compute-sanitizer --tool %s --error-exitcode 9 %s "$@"\n' $tool "$PWD/build-runtime/bin/moe-run" > /tmp/san-$tool.sh
  chmod +x /tmp/san-$tool.sh
  echo "== $tool layers.buckets T=1,3,17,64,300" >> $OUT/sanitize.log
  timeout 100 python3 test/Integration/CPU/check_layers.py --lib gpu-artifacts/tests/layers.buckets.sm_90.so --moe-run /tmp/san-$tool.sh --backend cuda --tokens 1,3,17,64,300 2>&1 | grep -E "passed|FAIL|ERROR" >> $OUT/sanitize.log
  echo "== $tool grouped_matmul" >> $OUT/sanitize.log
  timeout 60 python3 test/Integration/CPU/check_grouped_matmul.py --lib gpu-artifacts/tests/grouped_matmul.sm_90.so --moe-run /tmp/san-$tool.sh --backend cuda 2>&1 | grep -E "passed|FAIL|ERROR" >> $OUT/sanitize.log
done
cat $OUT/sanitize.log
echo "== profile qwen3_235b_tp4 T=1 (grid by filled experts)" >> $OUT/profile.txt
timeout 60 python3 bench/profile_case.py --artifacts gpu-artifacts/bench-h --backend build-runtime/lib/libmoe_runtime_cuda.so --model qwen3_235b_tp4 --tokens 1 2>&1 | grep -v Warn >> $OUT/profile.txt
grep "moe_\|Memset" $OUT/profile.txt | cut -c1-30,110-150
timeout 400 python3 bench/moe_bench.py --artifacts gpu-artifacts/bench-h --variant previous=gpu-artifacts/bench-f --tokens 1,4,16,64,256 --backend build-runtime/lib/libmoe_runtime_cuda.so --out $OUT/bench > $OUT/bench.log 2>&1; echo "bench rc=$?"
tail -30 $OUT/bench.log | grep "^|"
