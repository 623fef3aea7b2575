#!/usr/bin/env bash
cd "$(dirname "$0")/../.."
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
timeout 420 python3 bench/tune_plans.py run --dir gpu-artifacts/tune --backend build-runtime/lib/libmoe_runtime_cuda.so --out $OUT/tune
echo "tune rc=$?"
