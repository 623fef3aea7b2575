#!/usr/bin/env bash
# Device run (2026-12-05, fourteenth session), one H200: the GPU tests
# (test/Integration/GPU/run.py) on libraries built here with
#   python3 test/Integration/GPU/run.py --build --artifacts gpu-artifacts/tests \
#     --moe-compile build/bin/moe-compile --moe-opt build/bin/moe-opt
# and the same with --compile-flag=--kernel-abi=iree (gpu-artifacts/tests-iree):
# the first GPU run of the expert-bias epilogues (experts.mlir's
# swiglu_oai_biases and silu_biases, grouped_matmul.mlir's bias entries, the
# gpt-oss model IR) and the IREE-ABI kernels on an H200. Then the bias
# cases under compute-sanitizer memcheck.
cd "$(dirname "$0")/../../../.."
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $OUT/device.txt
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run \
  --artifacts gpu-artifacts/tests > $OUT/gpu-tests.log 2>&1
echo "gpu-tests rc=$?"; tail -1 $OUT/gpu-tests.log
grep -E "FAIL|bias|gpt_oss" $OUT/gpu-tests.log | head -40
python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run \
  --artifacts gpu-artifacts/tests-iree > $OUT/gpu-tests-iree.log 2>&1
echo "gpu-tests-iree rc=$?"; tail -1 $OUT/gpu-tests-iree.log
grep FAIL $OUT/gpu-tests-iree.log | head -20
for only in "grouped_matmul" "experts" "model IR: gpt-oss"; do
  name=$(echo "$only" | tr ' :' '__')
  timeout 240 python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run \
    --artifacts gpu-artifacts/tests --sanitize memcheck --only "$only" \
    > $OUT/memcheck-$name.log 2>&1
  echo "memcheck $only rc=$?"; tail -1 $OUT/memcheck-$name.log
done
cat $OUT/device.txt
