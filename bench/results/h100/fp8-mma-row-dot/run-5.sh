#!/usr/bin/env bash
# Device run 5 (#13): the planner's fp8 mma_row_dot plans with one tile a
# step (two runs a step, the stages that fit): the fp8 GPU test cases, then
# bench/fp8_layer.py with the Triton a8w8 baseline, run 4's libraries
# (`run4`: two tiles a step) and build-variants.sh's GEMM2 candidates, same
# run.
cd "$(dirname "$0")/../../../.."
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $OUT/device.txt
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
B=build-runtime/lib/libmoe_runtime_cuda.so
RUN="python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run --artifacts gpu-artifacts/tests"
timeout 60 $RUN --only "quantized experts (fp8)" > $OUT/gpu-tests-fp8.log 2>&1
echo "tests rc=$?"; tail -1 $OUT/gpu-tests-fp8.log; grep FAIL $OUT/gpu-tests-fp8.log | cut -c1-300 | head -5
V=gpu-artifacts/fp8-variants
C="run4=gpu-artifacts/fp8-run4"; for d in $V/*/; do l=$(basename $d); C="$C,$l=$d"; done
timeout 300 python3 bench/fp8_layer.py run --artifacts gpu-artifacts/fp8 --backend $B \
  --candidates "$C" > $OUT/fp8-layer.txt 2> $OUT/fp8-layer.err
echo "fp8 rc=$?"; grep -v "| bf16 |\|a16w8" $OUT/fp8-layer.txt; tail -5 $OUT/fp8-layer.err
cat $OUT/device.txt
