#!/usr/bin/env bash
# Device run (2026-12-05, H200): the full benchmark against Triton's fused_moe (and
# the eager baselines) of the build with the model's 128-element k tiles
# (gpu-artifacts/bench-ktile, ab0880c).
cd "$(dirname "$0")/../../../.."
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
mkdir -p $OUT/bench
timeout 560 python3 bench/moe_bench.py --artifacts gpu-artifacts/bench-ktile --backend build-runtime/lib/libmoe_runtime_cuda.so --out $OUT/bench > $OUT/bench.log 2>&1; echo "bench rc=$?"
grep -v '^{' $OUT/bench.log | tail -45
