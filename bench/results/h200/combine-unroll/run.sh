#!/usr/bin/env bash
# Device run 1: the GPU tests with the unrolled combine, then the benchmark at
# T = 1 .. 256 against main's libraries (same run).
cd "$(dirname "$0")/.."
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > $OUT/build-runtime.log 2>&1
cmake --build build-runtime -j16 >> $OUT/build-runtime.log 2>&1; echo "runtime rc=$?"
utils/gpu-tests.sh gpu-artifacts/tests > $OUT/gpu-tests.log 2>&1; echo "gpu-tests rc=$?"
grep -E "FAIL|gpu-tests:" $OUT/gpu-tests.log | tail -8
B=build-runtime/lib/libmoe_runtime_cuda.so
timeout 400 python3 bench/moe_bench.py --artifacts gpu-artifacts/bench-new --variant main=gpu-artifacts/bench-main --tokens 1,4,16,64,256 --backend $B --out $OUT/bench > $OUT/bench.log 2>&1; echo "bench rc=$?"
grep "^|" $OUT/bench.log | cut -d'|' -f2-10 | tail -45
