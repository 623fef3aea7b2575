#!/usr/bin/env bash
# Steps 1 and 2 of run.sh (which calls this script, then tunes):
# the K-tail GPU tests and memcheck, then bench/bias_overhead.py.
cd "$(dirname "$0")/../../../.."
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $OUT/device.txt
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
B=build-runtime/lib/libmoe_runtime_cuda.so
python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run \
  --artifacts gpu-artifacts/tests --only "k tile" > $OUT/k-tile-tests.log 2>&1
echo "k tile tests rc=$?"; tail -1 $OUT/k-tile-tests.log; grep -E "FAIL|K 320|K 192" $OUT/k-tile-tests.log
timeout 90 python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run \
  --artifacts gpu-artifacts/tests --only "k tile" --sanitize memcheck > $OUT/k-tile-memcheck.log 2>&1
echo "k tile memcheck rc=$?"; tail -1 $OUT/k-tile-memcheck.log
timeout 150 python3 bench/bias_overhead.py run --artifacts gpu-artifacts/bias --backend $B \
  > $OUT/bias-overhead.txt 2>&1
echo "bias rc=$?"; cat $OUT/bias-overhead.txt
cat $OUT/device.txt
