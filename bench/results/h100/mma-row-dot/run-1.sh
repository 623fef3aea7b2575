#!/usr/bin/env bash
# Device run 1 of the mma_row_dot plans (#13): fp4 runs widened to bf16
# in registers and multiplied by mma.sync, 8 routes a pass. The quantized
# GPU tests (fp8 and MXFP4), the MXFP4 memcheck, bench/mxfp4_layer.py with
# the GEMM1 plan candidates of build-variants.sh (our layers only), then the
# whole bench with Triton. Needs gpu-artifacts/tests, gpu-artifacts/mxfp4
# (bench/mxfp4_layer.py build) and gpu-artifacts/mma-variants
# (build-variants.sh) built at the running commit.
cd "$(dirname "$0")/../../../.."
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $OUT/device.txt
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
RUN="python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run --artifacts gpu-artifacts/tests"
timeout 150 $RUN --only "quantized experts" > $OUT/gpu-tests.log 2>&1; echo "tests rc=$?"; tail -1 $OUT/gpu-tests.log
grep FAIL $OUT/gpu-tests.log | cut -c1-300 | head -6
timeout 80 $RUN --only "MXFP4" --sanitize memcheck > $OUT/memcheck-mxfp4.log 2>&1
echo "memcheck rc=$?"; tail -1 $OUT/memcheck-mxfp4.log
V=gpu-artifacts/mma-variants
CANDS=more-slices=$V/more-slices,fewer-slices=$V/fewer-slices,unroll2=$V/unroll2,group1=$V/group1,rows16=$V/rows16,rows8=$V/rows8
timeout 150 python3 bench/mxfp4_layer.py run --no-triton --candidates $CANDS --artifacts gpu-artifacts/mxfp4 \
  --backend build-runtime/lib/libmoe_runtime_cuda.so > $OUT/candidates.txt 2> $OUT/candidates.err
echo "candidates rc=$?"; cat $OUT/candidates.txt; tail -3 $OUT/candidates.err
timeout 200 python3 bench/mxfp4_layer.py run --artifacts gpu-artifacts/mxfp4 \
  --backend build-runtime/lib/libmoe_runtime_cuda.so > $OUT/mxfp4_layer.txt 2> $OUT/mxfp4_layer.err
echo "bench rc=$?"; cat $OUT/mxfp4_layer.txt; tail -3 $OUT/mxfp4_layer.err
