#!/usr/bin/env bash
# Device run 4 (#13): the planner's fp8 mma_row_dot plans with two runs a
# step (stages 2) and the moe.quantize kernel with a workgroup per row and
# chunk of scale groups: the quantize and fp8 GPU test cases, plain and
# under memcheck, then bench/fp8_layer.py with the Triton a8w8 baseline,
# run 2's libraries (`run2`: one run a step, 4 stages, a workgroup per row
# of moe.quantize) and build-variants.sh's candidates, same run.
cd "$(dirname "$0")/../../../.."
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $OUT/device.txt
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
B=build-runtime/lib/libmoe_runtime_cuda.so
RUN="python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run --artifacts gpu-artifacts/tests"
# "quantize": moe.quantize, quantized experts (fp8) and (MXFP4 a16w4).
timeout 150 $RUN --only "quantize" > $OUT/gpu-tests-quant.log 2>&1
echo "tests rc=$?"; tail -1 $OUT/gpu-tests-quant.log; grep FAIL $OUT/gpu-tests-quant.log | cut -c1-300 | head -5
timeout 100 $RUN --only "quantized experts (fp8)" --sanitize memcheck > $OUT/memcheck-fp8.log 2>&1
echo "memcheck rc=$?"; tail -1 $OUT/memcheck-fp8.log
V=gpu-artifacts/fp8-variants
C="run2=gpu-artifacts/fp8-run2"; for d in $V/*/; do l=$(basename $d); C="$C,$l=$d"; done
timeout 300 python3 bench/fp8_layer.py run --artifacts gpu-artifacts/fp8 --backend $B \
  --candidates "$C" > $OUT/fp8-layer.txt 2> $OUT/fp8-layer.err
echo "fp8 rc=$?"; grep -v "| bf16 |\|a16w8" $OUT/fp8-layer.txt; tail -5 $OUT/fp8-layer.err
cat $OUT/device.txt
