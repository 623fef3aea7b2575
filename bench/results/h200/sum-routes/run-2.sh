#!/usr/bin/env bash
# Device run 2 of sum_routes: with the model's new summed plans (one run a
# step, one column unless the waves would pass 32 per SM): the GPU tests,
# memcheck on the grouped-GEMM cases, the layer at T = 1 and 4 against
# main's libraries (same run), and the row-dot candidates at T = 4.
cd "$(dirname "$0")/../../../.."
[ -f build-runtime/lib/libmoe_runtime_cuda.so ] || { cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null; }
B=build-runtime/lib/libmoe_runtime_cuda.so
timeout 200 utils/gpu-tests.sh gpu-artifacts/tests > $OUT/gpu-tests.log 2>&1; echo "gpu-tests rc=$?"
tail -1 $OUT/gpu-tests.log; grep -E "^FAIL" $OUT/gpu-tests.log | head -20
timeout 150 utils/gpu-tests.sh --sanitize=memcheck --only=grouped_matmul gpu-artifacts/tests > $OUT/sanitize.log 2>&1; echo "memcheck rc=$?"
tail -2 $OUT/sanitize.log
timeout 150 python3 bench/moe_bench.py --artifacts gpu-artifacts/bench-new --variant main=gpu-artifacts/bench-main --tokens 1,4 --backend $B --out $OUT/bench > $OUT/bench.log 2>&1; echo "bench rc=$?"
sed -n '/Variant/,$p' $OUT/bench/results.md; grep -E "^\| [a-z0-9_]+ \| (1|4) \|" $OUT/bench/results.md | cut -d'|' -f2-8
timeout 200 python3 bench/tune_plans.py run --dir gpu-artifacts/tune-t4 --backend $B --out $OUT/tune > $OUT/tune.log 2>&1; echo "tune rc=$?"
tail -12 $OUT/tune.log
