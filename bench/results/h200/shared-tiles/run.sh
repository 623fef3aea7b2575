#!/usr/bin/env bash
# Device run: GPU tests, sanitizers on the grouped GEMM checks, benchmark.
cd "$(dirname "$0")/.."
utils/gpu-tests.sh gpu-artifacts/tests > $OUT/gpu-tests.log 2>&1; echo "gpu-tests rc=$?"
tail -3 $OUT/gpu-tests.log
for tool in memcheck racecheck synccheck; do
  printf '#!/usr/bin/env bash\nexec compute-sanitizer --tool %s --error-exitcode 9 %s "$@"\n' $tool "$PWD/build-runtime/bin/moe-run" > /tmp/san-$tool.sh
  chmod +x /tmp/san-$tool.sh
  echo "== $tool grouped_matmul" >> $OUT/sanitize.log
  python3 test/Integration/CPU/check_grouped_matmul.py --lib gpu-artifacts/tests/grouped_matmul.sm_90.so --moe-run /tmp/san-$tool.sh --backend cuda 2>&1 | grep -E "ERROR SUMMARY|passed|FAIL" | sort | uniq -c >> $OUT/sanitize.log
done
cat $OUT/sanitize.log
timeout 420 python3 bench/moe_bench.py --artifacts gpu-artifacts/bench --variant registers=gpu-artifacts/bench-registers --backend build-runtime/lib/libmoe_runtime_cuda.so --out $OUT/bench > $OUT/bench.log 2>&1; echo "bench rc=$?"
tail -40 $OUT/bench.log
