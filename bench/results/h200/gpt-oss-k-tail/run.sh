#!/usr/bin/env bash
# Device run (2026-12-05, fourteenth session), one H200:
# 1. the 128-k shared-tile GEMMs with a K tail (grouped_matmul_k_tile.mlir:
#    K 320 and 192 besides the earlier cases) in the GPU tests, and under
#    memcheck (libraries built here: run.py --build --artifacts gpu-artifacts/tests);
# 2. bench/bias_overhead.py (../expert-biases/run-2.sh's step);
# 3. gpt-oss-120b at T = 16, 64, 256: the planner's plans against the
#    candidates with 128-element k tiles (K = 2880 leaves a half tile),
#    built here with
#      python3 bench/tune_plans.py build --moe-opt build/bin/moe-opt \
#        --moe-compile build/bin/moe-compile --out gpu-artifacts/tune-gptoss \
#        --models gpt_oss_120b --tokens 16,64,256
#    and tune.json cut to the planner's entry and the k_tile = 128 ones.
cd "$(dirname "$0")/../../../.."
# Steps 1 and 2 are run-short.sh's.
bash bench/results/h200/gpt-oss-k-tail/run-short.sh
B=build-runtime/lib/libmoe_runtime_cuda.so
timeout 400 python3 bench/tune_plans.py run --dir gpu-artifacts/tune-gptoss --backend $B \
  --out $OUT/tune > $OUT/tune.log 2>&1
echo "tune rc=$?"; cat $OUT/tune/tune.md 2>/dev/null | head -40
