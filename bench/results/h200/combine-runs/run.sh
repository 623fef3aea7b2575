#!/usr/bin/env bash
# Device run: GPU tests and memcheck (vectorized combine), per-kernel
# profile of Qwen3 T = 4096, and the benchmark with the previous commit's
# libraries as a variant.
cd "$(dirname "$0")/.."
utils/gpu-tests.sh gpu-artifacts/tests > $OUT/gpu-tests.log 2>&1; echo "gpu-tests rc=$?"
tail -1 $OUT/gpu-tests.log
grep -E "combine" $OUT/gpu-tests.log | cut -c1-160
printf '#!/usr/bin/env bash\nexec compute-sanitizer --tool memcheck --error-exitcode 9 %s "$@"\n' "$PWD/build-runtime/bin/moe-run" > /tmp/san-memcheck.sh
chmod +x /tmp/san-memcheck.sh
for check in elementwise layers; do
  echo "== memcheck $check" >> $OUT/sanitize.log
  timeout 60 python3 test/Integration/CPU/check_$check.py --lib gpu-artifacts/tests/$check.sm_90.so --moe-run /tmp/san-memcheck.sh --backend cuda 2>&1 | grep -E "passed|FAIL" >> $OUT/sanitize.log
done
cat $OUT/sanitize.log
echo "== profile qwen3_235b_tp4 T=4096" >> $OUT/profile.txt
timeout 60 python3 bench/profile_case.py --artifacts gpu-artifacts/bench-d --backend build-runtime/lib/libmoe_runtime_cuda.so --model qwen3_235b_tp4 --tokens 4096 2>&1 | grep -v Warn >> $OUT/profile.txt
grep "moe_\|Memset" $OUT/profile.txt | cut -c1-30,110-150
timeout 360 python3 bench/moe_bench.py --artifacts gpu-artifacts/bench-d --variant previous=gpu-artifacts/bench-c --backend build-runtime/lib/libmoe_runtime_cuda.so --out $OUT/bench > $OUT/bench.log 2>&1; echo "bench rc=$?"
tail -58 $OUT/bench.log
