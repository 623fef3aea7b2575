#!/usr/bin/env bash
# Device run 2 of route order: the row-dot plans of the T = 1 route-order
# GEMMs of Qwen3, MiniMax and DeepSeek-V3 (bench/tune_plans.py).
cd "$(dirname "$0")/.."
[ -f build-runtime/lib/libmoe_runtime_cuda.so ] || { cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null; }
B=build-runtime/lib/libmoe_runtime_cuda.so
timeout 400 python3 bench/tune_plans.py run --dir gpu-artifacts/tune-t1 --backend $B --out $OUT/tune > $OUT/tune.log 2>&1; echo "tune rc=$?"
tail -8 $OUT/tune.log; cat $OUT/tune/tune.md
