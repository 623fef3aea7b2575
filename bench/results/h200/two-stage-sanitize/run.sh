#!/usr/bin/env bash
# Device run (2026-12-05, fourteenth session), one H200: the fused
# all_reduce + add + RMSNorm kernel as it is now (two-stage with rotating row
# owners, 54e8f0b and after) under compute-sanitizer memcheck, racecheck and
# synccheck: the "tp4 one-shot, 4 ranks on GPU 0" case of the GPU tests
# (test/Integration/GPU/run.py, libraries of gpu-artifacts/tests built as in
# ../expert-biases/run.sh).
cd "$(dirname "$0")/../../../.."
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $OUT/device.txt
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
for tool in memcheck racecheck synccheck; do
  timeout 170 python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run \
    --artifacts gpu-artifacts/tests --sanitize $tool --only "tp4 one-shot" \
    > $OUT/$tool-tp4.log 2>&1
  echo "$tool rc=$?"; tail -1 $OUT/$tool-tp4.log
done
cat $OUT/device.txt
