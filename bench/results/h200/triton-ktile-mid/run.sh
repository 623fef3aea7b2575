#!/usr/bin/env bash
# Device run (2026-12-05): bench/moe_bench.py against Triton's fused_moe at
# T = 16, 64, 256 (where the H200 targets were missed) with the libraries of
# ab0880c (the model's 128-element k tiles for long gated K;
# gpu-artifacts/bench-ktile), with what device time was left.
cd "$(dirname "$0")/../../../.."
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
mkdir -p $OUT/bench
timeout 170 python3 bench/moe_bench.py --artifacts gpu-artifacts/bench-ktile --tokens 16,64,256 --backend build-runtime/lib/libmoe_runtime_cuda.so --out $OUT/bench > $OUT/bench.log 2>&1; echo "bench rc=$?"
grep -v '^{' $OUT/bench.log | tail -25
