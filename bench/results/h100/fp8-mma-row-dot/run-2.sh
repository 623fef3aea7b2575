#!/usr/bin/env bash
# Device run 2 (#13): fp8 mma_row_dot with its runs staged through LDS
# (cp.async, MMARowDotStaged.cpp) and A runs loaded a step ahead: the fp8
# GPU test cases plain and under memcheck, then bench/fp8_layer.py with
# the Triton a8w8 baseline and run 1's libraries (commit 6775237, one step
# of runs in registers) as the candidate `run1`, same run. Libraries:
#   python3 test/Integration/GPU/run.py --build --artifacts gpu-artifacts/tests \
#     --moe-compile build/bin/moe-compile --moe-opt build/bin/moe-opt
#   python3 bench/fp8_layer.py build --moe-compile build/bin/moe-compile --out gpu-artifacts/fp8
#   gpu-artifacts/fp8-run1: run 1's a8w8_blocks libraries
cd "$(dirname "$0")/../../../.."
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $OUT/device.txt
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
B=build-runtime/lib/libmoe_runtime_cuda.so
RUN="python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run --artifacts gpu-artifacts/tests"
timeout 60 $RUN --only "quantized experts (fp8)" > $OUT/gpu-tests-fp8.log 2>&1
echo "tests rc=$?"; tail -1 $OUT/gpu-tests-fp8.log; grep FAIL $OUT/gpu-tests-fp8.log | cut -c1-300 | head -8
timeout 120 $RUN --only "quantized experts (fp8)" --sanitize memcheck > $OUT/memcheck-fp8.log 2>&1
echo "memcheck rc=$?"; tail -1 $OUT/memcheck-fp8.log
timeout 330 python3 bench/fp8_layer.py run --artifacts gpu-artifacts/fp8 --backend $B \
  --candidates run1=gpu-artifacts/fp8-run1 > $OUT/fp8-layer.txt 2> $OUT/fp8-layer.err
echo "fp8 rc=$?"; cat $OUT/fp8-layer.txt; tail -5 $OUT/fp8-layer.err
cat $OUT/device.txt
