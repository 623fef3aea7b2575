#!/usr/bin/env bash
# Device run 1 (2026-12-06, fifteenth session), one GPU: the whole GPU test
# suite (with the fp8 cases: moe.quantize and the fp8 row-dot GEMMs), the fp8
# cases under memcheck, then bench/fp8_layer.py. Libraries built here:
#   python3 test/Integration/GPU/run.py --build --artifacts gpu-artifacts/tests \
#     --moe-compile build/bin/moe-compile --moe-opt build/bin/moe-opt
#   python3 bench/fp8_layer.py build --moe-compile build/bin/moe-compile --out gpu-artifacts/fp8
cd "$(dirname "$0")/../../../.."
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $OUT/device.txt
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
B=build-runtime/lib/libmoe_runtime_cuda.so
timeout 240 python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run \
  --artifacts gpu-artifacts/tests > $OUT/gpu-tests.log 2>&1
echo "gpu tests rc=$?"; tail -1 $OUT/gpu-tests.log; grep -E "^FAIL" $OUT/gpu-tests.log | head -20
timeout 120 python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run \
  --artifacts gpu-artifacts/tests --only quantize --sanitize memcheck > $OUT/memcheck-quant.log 2>&1
echo "memcheck quant rc=$?"; tail -1 $OUT/memcheck-quant.log
timeout 200 python3 bench/fp8_layer.py run --artifacts gpu-artifacts/fp8 --backend $B \
  > $OUT/fp8-layer.txt 2>&1
echo "fp8 rc=$?"; cat $OUT/fp8-layer.txt | tail -30
cat $OUT/device.txt
