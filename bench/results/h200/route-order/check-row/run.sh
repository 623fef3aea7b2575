#!/usr/bin/env bash
# Device run 4 of route order: one route check per ids (GEMM1's, in a row of
# workgroups past the routes): the GPU tests, the benchmark at T = 1, 4
# against main's libraries, and memcheck on the size-check cases.
cd "$(dirname "$0")/.."
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
utils/gpu-tests.sh gpu-artifacts/tests > $OUT/gpu-tests.log 2>&1; echo "gpu-tests rc=$?"
grep -E "FAIL|gpu-tests:" $OUT/gpu-tests.log | tail -8
B=build-runtime/lib/libmoe_runtime_cuda.so
timeout 200 python3 bench/moe_bench.py --artifacts gpu-artifacts/bench-new --variant main=gpu-artifacts/bench-main --tokens 1,4 --backend $B --out $OUT/bench > $OUT/bench.log 2>&1; echo "bench rc=$?"
grep "^|" $OUT/bench.log | cut -d'|' -f2-9 | tail -24
