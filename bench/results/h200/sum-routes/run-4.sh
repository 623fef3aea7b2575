#!/usr/bin/env bash
# Device run 4: shared-tile and warpgroup candidates of the T = 1024 GEMMs of
# Qwen3, DeepSeek-V3 and MiniMax (the three that miss 1.0x Triton there).
cd "$(dirname "$0")/../../../.."
[ -f build-runtime/lib/libmoe_runtime_cuda.so ] || { cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null; }
B=build-runtime/lib/libmoe_runtime_cuda.so
timeout 400 python3 bench/tune_plans.py run --dir gpu-artifacts/tune-t1024 --backend $B --out $OUT/tune > $OUT/tune.log 2>&1; echo "tune rc=$?"
tail -9 $OUT/tune.log | cut -c1-400
