#!/usr/bin/env bash
# Device run 3 (#13): mma_row_dot kernels widened word by word with a
# register cap (nvvm.minctasm, one route tile), and on sm_90 route-order
# GEMM2s of fp4 weights left unfused from the combine (mma_row_dot does not
# sum routes; run 2's profile: the summed row-dot GEMM2 took 29 of the 54
# us at T = 1). Quantized GPU tests, MXFP4 memcheck, bench/mxfp4_layer.py
# with run 1's a16w4 libraries as a candidate (gpu-artifacts/mma-run1,
# built at commit 1d2614e), then with Triton. Needs gpu-artifacts/tests and
# gpu-artifacts/mxfp4 built at the running commit.
cd "$(dirname "$0")/../../../.."
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $OUT/device.txt
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
RUN="python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run --artifacts gpu-artifacts/tests"
timeout 150 $RUN --only "quantized experts" > $OUT/gpu-tests.log 2>&1; echo "tests rc=$?"; tail -1 $OUT/gpu-tests.log
grep FAIL $OUT/gpu-tests.log | cut -c1-300 | head -6
timeout 80 $RUN --only "MXFP4" --sanitize memcheck > $OUT/memcheck-mxfp4.log 2>&1
echo "memcheck rc=$?"; tail -1 $OUT/memcheck-mxfp4.log
timeout 100 python3 bench/mxfp4_layer.py run --no-triton --candidates run-1=gpu-artifacts/mma-run1 --artifacts gpu-artifacts/mxfp4 \
  --backend build-runtime/lib/libmoe_runtime_cuda.so > $OUT/candidates.txt 2> $OUT/candidates.err
echo "candidates rc=$?"; cat $OUT/candidates.txt; tail -3 $OUT/candidates.err
timeout 200 python3 bench/mxfp4_layer.py run --artifacts gpu-artifacts/mxfp4 \
  --backend build-runtime/lib/libmoe_runtime_cuda.so > $OUT/mxfp4_layer.txt 2> $OUT/mxfp4_layer.err
echo "bench rc=$?"; cat $OUT/mxfp4_layer.txt; tail -3 $OUT/mxfp4_layer.err
P="python3 bench/profile_case.py --mxfp4 --artifacts gpu-artifacts/mxfp4 --backend build-runtime/lib/libmoe_runtime_cuda.so --model gpt_oss_120b"
for t in 1 256; do
  timeout 60 $P --tokens $t > $OUT/profile-T$t.txt 2>&1; echo "profile T=$t rc=$?"
  grep -E "moe_|Self CUDA time" $OUT/profile-T$t.txt | cut -c1-40,100-200 | head -6
done
