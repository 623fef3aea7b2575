#!/usr/bin/env bash
# Device run: GPU tests and sanitizers (pair stores), benchmark with the
# previous commit's libraries and forced shared tiles as variants.
cd "$(dirname "$0")/.."
utils/gpu-tests.sh gpu-artifacts/tests > $OUT/gpu-tests.log 2>&1; echo "gpu-tests rc=$?"
tail -1 $OUT/gpu-tests.log
for tool in memcheck racecheck synccheck; do
  printf '#!/usr/bin/env bash\nexec compute-sanitizer --tool %s --error-exitcode 9 %s "$@"\n' $tool "$PWD/build-runtime/bin/moe-run" > /tmp/san-$tool.sh
  chmod +x /tmp/san-$tool.sh
  for check in grouped_matmul layers; do
    echo "== $tool $check" >> $OUT/sanitize.log
    python3 test/Integration/CPU/check_$check.py --lib gpu-artifacts/tests/$check.sm_90.so --moe-run /tmp/san-$tool.sh --backend cuda 2>&1 | grep -E "passed|FAIL" >> $OUT/sanitize.log
  done
done
cat $OUT/sanitize.log
timeout 480 python3 bench/moe_bench.py --artifacts gpu-artifacts/bench --variant a66c283=gpu-artifacts/bench-a66c283 --backend build-runtime/lib/libmoe_runtime_cuda.so --out $OUT/bench > $OUT/bench.log 2>&1; echo "bench rc=$?"
tail -60 $OUT/bench.log
