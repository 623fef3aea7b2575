#!/usr/bin/env bash
# Device run 1 of sum_routes (the combine fused into the route-order GEMM2):
# the GPU tests, the layer at T = 1 and 4 against main's libraries (same
# run), and the row-dot candidates of the T = 1 GEMMs (bench/tune_plans.py).
cd "$(dirname "$0")/../../../.."
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null
B=build-runtime/lib/libmoe_runtime_cuda.so
timeout 200 utils/gpu-tests.sh gpu-artifacts/tests > $OUT/gpu-tests.log 2>&1; echo "gpu-tests rc=$?"
tail -3 $OUT/gpu-tests.log; grep -E "^FAIL" $OUT/gpu-tests.log | head -20
timeout 150 python3 bench/moe_bench.py --artifacts gpu-artifacts/bench-new --variant main=gpu-artifacts/bench-main --tokens 1,4 --backend $B --out $OUT/bench > $OUT/bench.log 2>&1; echo "bench rc=$?"
cat $OUT/bench/results.md 2>/dev/null | head -40
timeout 200 python3 bench/tune_plans.py run --dir gpu-artifacts/tune-t1 --backend $B --out $OUT/tune > $OUT/tune.log 2>&1; echo "tune rc=$?"
tail -4 $OUT/tune.log; cat $OUT/tune/tune.md 2>/dev/null | head -60
