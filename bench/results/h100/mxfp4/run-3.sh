#!/usr/bin/env bash
# Device run 3 (#13): run 2's MXFP4 failures came from the 32-bit-word fp4
# widening (bytes 0 and 1 of a word took the next-but-one byte's low nibble
# into their high code); fixed. The MXFP4 GPU tests, their memcheck, and
# bench/mxfp4_layer.py --no-triton (device time left: Triton's numbers are
# run 2's). Needs gpu-artifacts/tests and gpu-artifacts/mxfp4 built at the
# running commit (see run-1.sh).
cd "$(dirname "$0")/../../../.."
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $OUT/device.txt
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
RUN="python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run --artifacts gpu-artifacts/tests"
$RUN --only "MXFP4" > $OUT/gpu-tests.log 2>&1; echo "rc=$?"; tail -1 $OUT/gpu-tests.log
grep FAIL $OUT/gpu-tests.log | cut -c1-200 | head -4
timeout 60 $RUN --only "MXFP4" --sanitize memcheck > $OUT/memcheck-mxfp4.log 2>&1
echo "memcheck rc=$?"; tail -1 $OUT/memcheck-mxfp4.log
timeout 100 python3 bench/mxfp4_layer.py run --no-triton --artifacts gpu-artifacts/mxfp4 \
  --backend build-runtime/lib/libmoe_runtime_cuda.so > $OUT/mxfp4_layer.txt 2> $OUT/mxfp4_layer.err
echo "bench rc=$?"; cat $OUT/mxfp4_layer.txt; tail -3 $OUT/mxfp4_layer.err
cat $OUT/device.txt
