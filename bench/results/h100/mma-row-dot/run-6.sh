#!/usr/bin/env bash
# Device run 6 (#13): the whole GPU test suite at commit e623356 (the
# row-dot kernels' shared step loop, mma_row_dot plans, unfused fp4 GEMM2
# on sm_90). Needs gpu-artifacts/tests built at the running commit.
cd "$(dirname "$0")/../../../.."
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $OUT/device.txt
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
timeout 420 python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run --artifacts gpu-artifacts/tests > $OUT/gpu-tests.log 2>&1
echo "tests rc=$?"; tail -1 $OUT/gpu-tests.log; grep -E "FAIL|^== " $OUT/gpu-tests.log | cut -c1-200 | head -40
