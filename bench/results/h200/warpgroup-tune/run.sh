#!/usr/bin/env bash
# Device run: GPU tests (with the warpgroup-MMA checks), compute-sanitizer
# on the warpgroup checks, and the sweep of warpgroup plans at T = 1024, 4096.
cd "$(dirname "$0")/.."
utils/gpu-tests.sh gpu-artifacts/tests > $OUT/gpu-tests.log 2>&1; echo "gpu-tests rc=$?"
tail -2 $OUT/gpu-tests.log
grep -A7 "== grouped_matmul warpgroup" $OUT/gpu-tests.log | cut -c1-200
for tool in memcheck racecheck synccheck; do
  printf '#!/usr/bin/env bash\nexec compute-sanitizer --tool %s --error-exitcode 9 %s "$@"\n' $tool "$PWD/build-runtime/bin/moe-run" > /tmp/san-$tool.sh
  chmod +x /tmp/san-$tool.sh
  echo "== $tool grouped_matmul_warpgroup" >> $OUT/sanitize.log
  timeout 100 python3 test/Integration/GPU/check_grouped_matmul_warpgroup.py --lib gpu-artifacts/tests/grouped_matmul_warpgroup.sm_90.so --moe-run /tmp/san-$tool.sh --backend cuda >> $OUT/sanitize.log 2>&1
done
grep -E "==|passed|FAIL|ERROR|rror" $OUT/sanitize.log | head -30
timeout 330 python3 bench/tune_plans.py run --dir gpu-artifacts/tune-wg --backend build-runtime/lib/libmoe_runtime_cuda.so --out $OUT/tune > $OUT/tune.log 2>&1
echo "tune rc=$?"
cat $OUT/tune/tune.md 2>/dev/null | head -60
