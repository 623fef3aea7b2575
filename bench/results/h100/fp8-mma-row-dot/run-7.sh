#!/usr/bin/env bash
# Device run 7 (#13): the final moe.quantize kernel (its chunks of scale
# groups computed in the kernel instead of read as gpu.grid_dim, which on
# AMD is a device-library call): the moe.quantize cases (codes and scales
# bit-exact) and the fp8 experts, which quantize x and the activation rows.
cd "$(dirname "$0")/../../../.."
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $OUT/device.txt
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
L=gpu-artifacts/tests/quant_gpu.sm_90.so
M="--moe-run build-runtime/bin/moe-run --backend cuda"
timeout 60 python3 test/Integration/GPU/check_quant_rows.py --lib $L $M > $OUT/gpu-tests-quantize.log 2>&1
echo "quantize rc=$?"; tail -1 $OUT/gpu-tests-quantize.log; grep FAIL $OUT/gpu-tests-quantize.log | head -3
timeout 90 python3 test/Integration/CPU/check_quant_experts.py --lib $L $M --entries fp8_blocks,mxfp8,fp8_channels_a16w8,fp8_rows_a8w8 \
  --tokens 1,5,40 > $OUT/gpu-tests-fp8.log 2>&1
echo "fp8 rc=$?"; tail -1 $OUT/gpu-tests-fp8.log; grep FAIL $OUT/gpu-tests-fp8.log | head -3
