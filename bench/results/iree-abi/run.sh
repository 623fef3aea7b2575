#!/usr/bin/env bash
# Device run (2026-12-05): the GPU tests (test/Integration/GPU/run.py) on
# libraries whose kernels take IREE's HIP argument list (bare buffer
# pointers, then 32-bit constants; moe-use-iree-kernel-abi), built here with
#   python3 test/Integration/GPU/run.py --build --artifacts gpu-artifacts/tests-iree \
#     --moe-compile build/bin/moe-compile --moe-opt build/bin/moe-opt \
#     --compile-flag=--kernel-abi=iree
# The host code of each library packs every launch's arguments as IREE's
# runtime does; the checks compare with the same numpy references as the
# default build. Then the grouped-GEMM and layer cases under memcheck.
cd "$(dirname "$0")/../../.."
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $OUT/device.txt
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run \
  --artifacts gpu-artifacts/tests-iree > $OUT/gpu-tests.log 2>&1
echo "gpu-tests rc=$?"
tail -1 $OUT/gpu-tests.log
for only in grouped_matmul layers; do
  timeout 200 python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run \
    --artifacts gpu-artifacts/tests-iree --sanitize memcheck --only "$only" \
    > $OUT/memcheck-$only.log 2>&1
  echo "memcheck $only rc=$?"; tail -1 $OUT/memcheck-$only.log
done
cat $OUT/device.txt
