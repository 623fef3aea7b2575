#!/usr/bin/env bash
# Device run 1 (2026-12-06, fifteenth session; ran on an H100), one GPU: the GPU test cases
# of moe.quantize and the fp8 row-dot GEMMs, the bf16 row-dot, K-tail and
# experts cases (the device time left did not allow the whole suite), the
# fp8 cases under memcheck, then bench/fp8_layer.py. Libraries built here:
#   python3 test/Integration/GPU/run.py --build --artifacts gpu-artifacts/tests \
#     --moe-compile build/bin/moe-compile --moe-opt build/bin/moe-opt
#   python3 bench/fp8_layer.py build --moe-compile build/bin/moe-compile --out gpu-artifacts/fp8
cd "$(dirname "$0")/../../../.."
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $OUT/device.txt
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
B=build-runtime/lib/libmoe_runtime_cuda.so
for only in quantize "row dot" "k tile" experts; do
  timeout 100 python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run \
    --artifacts gpu-artifacts/tests --only "$only" > "$OUT/gpu-tests-${only// /-}.log" 2>&1
  echo "gpu tests '$only' rc=$?"; tail -1 "$OUT/gpu-tests-${only// /-}.log"
  grep -E "^FAIL" "$OUT/gpu-tests-${only// /-}.log" | head -5
done
timeout 120 python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run \
  --artifacts gpu-artifacts/tests --only quantize --sanitize memcheck > $OUT/memcheck-quant.log 2>&1
echo "memcheck quant rc=$?"; tail -1 $OUT/memcheck-quant.log
timeout 170 python3 bench/fp8_layer.py run --artifacts gpu-artifacts/fp8 --backend $B \
  > $OUT/fp8-layer.txt 2>&1
echo "fp8 rc=$?"; cat $OUT/fp8-layer.txt | tail -30
cat $OUT/device.txt
