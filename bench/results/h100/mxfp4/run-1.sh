#!/usr/bin/env bash
# Device run 1 (#13, MXFP4 a16w4): the GPU tests of the fp4 row-dot kernels
# (and the fp8 and bf16 row-dot cases they share code with), plain and under
# memcheck, then bench/mxfp4_layer.py (gpt-oss-120b, T = 1..256: ours a16w4 and
# bf16 vs Triton a16w4 and bf16). Needs, built here at the running commit:
#   python3 test/Integration/GPU/run.py --build --artifacts gpu-artifacts/tests \
#     --moe-compile build/bin/moe-compile --moe-opt build/bin/moe-opt
#   python3 bench/mxfp4_layer.py build --moe-compile build/bin/moe-compile --out gpu-artifacts/mxfp4
cd "$(dirname "$0")/../../../.."
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $OUT/device.txt
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
RUN="python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run --artifacts gpu-artifacts/tests"
for only in "quantized experts" "row dot" "quantize"; do
  $RUN --only "$only" >> $OUT/gpu-tests.log 2>&1; echo "$only rc=$?"
done
grep "gpu-tests:" $OUT/gpu-tests.log; grep FAIL $OUT/gpu-tests.log | cut -c1-300 | head -8
timeout 150 $RUN --only "MXFP4" --sanitize memcheck > $OUT/memcheck-mxfp4.log 2>&1
echo "memcheck rc=$?"; tail -1 $OUT/memcheck-mxfp4.log
timeout 330 python3 bench/mxfp4_layer.py run --artifacts gpu-artifacts/mxfp4 \
  --backend build-runtime/lib/libmoe_runtime_cuda.so > $OUT/mxfp4_layer.txt 2> $OUT/mxfp4_layer.err
echo "bench rc=$?"; cat $OUT/mxfp4_layer.txt; tail -5 $OUT/mxfp4_layer.err
cat $OUT/device.txt
