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
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $OUT/device.txt
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
B=build-runtime/lib/libmoe_runtime_cuda.so
python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run \
  --artifacts gpu-artifacts/tests --only "k tile" > $OUT/k-tile-tests.log 2>&1
echo "k tile tests rc=$?"; tail -1 $OUT/k-tile-tests.log; grep -E "FAIL|K 320|K 192" $OUT/k-tile-tests.log
timeout 120 python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run \
  --artifacts gpu-artifacts/tests --only "k tile" --sanitize memcheck > $OUT/k-tile-memcheck.log 2>&1
echo "k tile memcheck rc=$?"; tail -1 $OUT/k-tile-memcheck.log
timeout 200 python3 bench/bias_overhead.py run --artifacts gpu-artifacts/bias --backend $B \
  > $OUT/bias-overhead.txt 2>&1
echo "bias rc=$?"; cat $OUT/bias-overhead.txt
timeout 400 python3 bench/tune_plans.py run --dir gpu-artifacts/tune-gptoss --backend $B \
  --out $OUT/tune > $OUT/tune.log 2>&1
echo "tune rc=$?"; cat $OUT/tune/tune.md 2>/dev/null | head -40
cat $OUT/device.txt
