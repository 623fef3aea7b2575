#!/usr/bin/env bash
# Device run: Qwen3 T = 1024 without the stale shared-tile entry of
# TunedPlans.inc (warpgroup plans from the model) against the previous build.
cd "$(dirname "$0")/.."
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
timeout 150 python3 bench/moe_bench.py --artifacts gpu-artifacts/bench-e --variant previous=gpu-artifacts/bench-d --models qwen3_235b_tp4 --tokens 1024 --backend build-runtime/lib/libmoe_runtime_cuda.so --out $OUT/bench > $OUT/bench.log 2>&1; echo "bench rc=$?"
tail -16 $OUT/bench.log
