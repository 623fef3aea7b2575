#!/usr/bin/env bash
# Device run: the GEMM plan candidates of Qwen3 and DeepSeek-V3 at T = 1
# around the planner's (measured) plans, with the GEMM grid sized by the
# experts the routes fill.
cd "$(dirname "$0")/.."
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
timeout 320 python3 bench/tune_plans.py run --dir gpu-artifacts/tune-t1 --backend build-runtime/lib/libmoe_runtime_cuda.so --out $OUT/tune > $OUT/tune.log 2>&1; echo "tune rc=$?"
cat $OUT/tune/tune.md | head -30
