#!/usr/bin/env bash
# Device run 5 (#13): run 4's ncu had 46 % of GEMM stalls on the A runs,
# loaded in the step that multiplies them. Candidate: A runs loaded a step
# ahead with the weight runs (gpu-artifacts/mma-prefetch-a, built from the
# working tree after commit 28867b5), against the committed kernels
# (gpu-artifacts/mxfp4, commit 5bfa3ee's compiler), our layers only.
cd "$(dirname "$0")/../../../.."
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $OUT/device.txt
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
timeout 150 python3 bench/mxfp4_layer.py run --no-triton --candidates prefetch-a=gpu-artifacts/mma-prefetch-a --artifacts gpu-artifacts/mxfp4 \
  --backend build-runtime/lib/libmoe_runtime_cuda.so > $OUT/candidates.txt 2> $OUT/candidates.err
echo "candidates rc=$?"; cat $OUT/candidates.txt; tail -3 $OUT/candidates.err
