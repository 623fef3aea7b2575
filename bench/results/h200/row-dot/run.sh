#!/usr/bin/env bash
# Device run: the row-dot GEMM check (plain and memcheck); the benchmark at
# T = 1, 4, 16 of row-dot libraries with the next step's loads in flight
# (8 weight runs per step: moe-mlir, 4: rd4), the first row-dot build
# without prefetch (rd1) and the current default (previous).
cd "$(dirname "$0")/.."
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
python3 test/Integration/GPU/check_grouped_matmul_row_dot.py --lib gpu-artifacts/tests/grouped_matmul_row_dot.sm_90.so --moe-run build-runtime/bin/moe-run --backend cuda > $OUT/row-dot-check.log 2>&1; cat $OUT/row-dot-check.log
printf '#!/usr/bin/env bash\nexec compute-sanitizer --tool memcheck --error-exitcode 9 %s "$@"\n' "$PWD/build-runtime/bin/moe-run" > /tmp/san-memcheck.sh; chmod +x /tmp/san-memcheck.sh
timeout 100 python3 test/Integration/GPU/check_grouped_matmul_row_dot.py --lib gpu-artifacts/tests/grouped_matmul_row_dot.sm_90.so --moe-run /tmp/san-memcheck.sh --backend cuda 2>&1 | grep -E "passed|FAIL|ERROR" > $OUT/sanitize.log
cat $OUT/sanitize.log
timeout 300 python3 bench/moe_bench.py --artifacts gpu-artifacts/bench-rd8 --variant previous=gpu-artifacts/bench-h --variant rd4=gpu-artifacts/bench-rd4 --variant rd1=gpu-artifacts/bench-rd --tokens 1,4,16 --backend build-runtime/lib/libmoe_runtime_cuda.so --out $OUT/bench > $OUT/bench.log 2>&1; echo "bench rc=$?"
grep "^|" $OUT/bench.log | tail -40
