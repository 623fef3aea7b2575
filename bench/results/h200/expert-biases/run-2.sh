#!/usr/bin/env bash
# Device run (2026-12-05, fourteenth session), one H200: the cost of the
# expert-bias epilogue on gpt-oss-120b's layer (bench/bias_overhead.py), on
# libraries built here with
#   python3 bench/bias_overhead.py build --moe-compile build/bin/moe-compile --out gpu-artifacts/bias
cd "$(dirname "$0")/../../../.."
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $OUT/device-2.txt
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
python3 bench/bias_overhead.py run --artifacts gpu-artifacts/bias \
  --backend build-runtime/lib/libmoe_runtime_cuda.so > $OUT/bias-overhead.txt 2>&1
echo "rc=$?"; cat $OUT/bias-overhead.txt; cat $OUT/device-2.txt
