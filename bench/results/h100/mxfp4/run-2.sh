#!/usr/bin/env bash
# Device run 2 (#13): after the row-dot planner keeps 8 weight runs in flight
# per step (more columns where fewer runs divide a lane's; up to 4 routes a
# pass when blocks hold several) and fp4 is widened in 32-bit words: the GPU
# tests of the quantized and bf16 row-dot cases, memcheck of the quantized
# experts, bench/mxfp4_layer.py and bench/fp8_layer.py. Needs, built at the
# running commit: gpu-artifacts/tests (run.py --build), gpu-artifacts/mxfp4
# (bench/mxfp4_layer.py build) and gpu-artifacts/fp8b (bench/fp8_layer.py build).
cd "$(dirname "$0")/../../../.."
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $OUT/device.txt
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
RUN="python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run --artifacts gpu-artifacts/tests"
for only in "quantized experts" "row dot"; do
  $RUN --only "$only" >> $OUT/gpu-tests.log 2>&1; echo "$only rc=$?"
done
grep "gpu-tests:" $OUT/gpu-tests.log; grep FAIL $OUT/gpu-tests.log | cut -c1-300 | head -8
timeout 120 $RUN --only "quantized experts" --sanitize memcheck > $OUT/memcheck-quant.log 2>&1
echo "memcheck rc=$?"; tail -1 $OUT/memcheck-quant.log
timeout 220 python3 bench/mxfp4_layer.py run --artifacts gpu-artifacts/mxfp4 \
  --backend build-runtime/lib/libmoe_runtime_cuda.so > $OUT/mxfp4_layer.txt 2> $OUT/mxfp4_layer.err
echo "mxfp4 bench rc=$?"; cat $OUT/mxfp4_layer.txt; tail -3 $OUT/mxfp4_layer.err
timeout 150 python3 bench/fp8_layer.py run --artifacts gpu-artifacts/fp8b \
  --backend build-runtime/lib/libmoe_runtime_cuda.so > $OUT/fp8_layer.txt 2> $OUT/fp8_layer.err
echo "fp8 bench rc=$?"; cat $OUT/fp8_layer.txt; tail -3 $OUT/fp8_layer.err
cat $OUT/device.txt
