#!/usr/bin/env bash
# Device run 6 (#13): run 5's fp8 GPU test cases ran past their 60 s limit
# without a result: the same cases with their time, then under memcheck
# (the planner's plans of run 5, same libraries).
cd "$(dirname "$0")/../../../.."
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $OUT/device.txt
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
RUN="python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run --artifacts gpu-artifacts/tests"
s=$(date +%s); timeout 150 $RUN --only "quantized experts (fp8)" > $OUT/gpu-tests-fp8.log 2>&1
echo "tests rc=$? in $(( $(date +%s) - s )) s"; tail -1 $OUT/gpu-tests-fp8.log; grep FAIL $OUT/gpu-tests-fp8.log | cut -c1-300 | head -5
s=$(date +%s); timeout 120 $RUN --only "quantized experts (fp8)" --sanitize memcheck > $OUT/memcheck-fp8.log 2>&1
echo "memcheck rc=$? in $(( $(date +%s) - s )) s"; tail -1 $OUT/memcheck-fp8.log
