#!/usr/bin/env bash
# Device run 1b: the moe.quantize case again (run-1.sh's copy of
# check_quant_rows.py did not find quant_reference.py), plain and under memcheck.
cd "$(dirname "$0")/../../../.."
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $OUT/device.txt
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run \
  --artifacts gpu-artifacts/tests --only "quantize" > $OUT/gpu-tests-quantize.log 2>&1
echo "rc=$?"; tail -1 $OUT/gpu-tests-quantize.log; grep FAIL $OUT/gpu-tests-quantize.log | cut -c1-300 | head -5
timeout 100 python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run \
  --artifacts gpu-artifacts/tests --only quantize --sanitize memcheck > $OUT/memcheck-quant.log 2>&1
echo "memcheck rc=$?"; tail -1 $OUT/memcheck-quant.log
cat $OUT/device.txt
