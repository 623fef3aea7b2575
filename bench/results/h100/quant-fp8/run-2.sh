#!/usr/bin/env bash
# Device run 2: the K-tail shared-tile GEMMs under memcheck (their plain run
# is in run-1.sh's suite), bench/bias_overhead.py, then gpt-oss-120b's
# 128-element k-tile candidates against the planner
# (../gpt-oss-k-tail/README.md; tune.json cut to the planner's entry and
# the k_tile = 128 ones). Libraries: gpu-artifacts/tests (run-1.sh),
#   python3 bench/bias_overhead.py build --moe-compile build/bin/moe-compile --out gpu-artifacts/bias
#   python3 bench/tune_plans.py build --moe-opt build/bin/moe-opt \
#     --moe-compile build/bin/moe-compile --out gpu-artifacts/tune-gptoss \
#     --models gpt_oss_120b --tokens 16,64,256
cd "$(dirname "$0")/../../../.."
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $OUT/device.txt
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
B=build-runtime/lib/libmoe_runtime_cuda.so
timeout 90 python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run \
  --artifacts gpu-artifacts/tests --only "k tile" --sanitize memcheck > $OUT/memcheck-k-tile.log 2>&1
echo "memcheck k tile rc=$?"; tail -1 $OUT/memcheck-k-tile.log
timeout 120 python3 bench/bias_overhead.py run --artifacts gpu-artifacts/bias --backend $B \
  > $OUT/bias-overhead.txt 2>&1
echo "bias rc=$?"; tail -8 $OUT/bias-overhead.txt
timeout 330 python3 bench/tune_plans.py run --dir gpu-artifacts/tune-gptoss --backend $B \
  --out $OUT/tune > $OUT/tune.log 2>&1
echo "tune rc=$?"; cat $OUT/tune/tune.md 2>/dev/null | head -40
cat $OUT/device.txt
