#!/usr/bin/env bash
# Device run (2026-12-05): the GPU tests with the two-stage all_reduce +
# residual + RMSNorm kernel (messages past 256 KiB over 4+ ranks), libraries
# built here with
#   python3 test/Integration/GPU/run.py --build --artifacts gpu-artifacts/tests \
#     --moe-compile build/bin/moe-compile --moe-opt build/bin/moe-opt
# Then the 4-rank case (4 processes on GPU 0: one-shot at T = 1, 7, 300, two
# stages at T = 7000, both modes in one process at T = 2049) under
# compute-sanitizer memcheck, racecheck and synccheck.
cd "$(dirname "$0")/../../.."
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $OUT/device.txt
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run \
  --artifacts gpu-artifacts/tests > $OUT/gpu-tests.log 2>&1
echo "gpu-tests rc=$?"; tail -1 $OUT/gpu-tests.log
grep -E "^(FAIL|SKIP)" $OUT/gpu-tests.log | head -20
for tool in memcheck racecheck synccheck; do
  timeout 150 python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run \
    --artifacts gpu-artifacts/tests --sanitize $tool --only "tp4 one-shot" \
    > $OUT/$tool-tp4.log 2>&1
  echo "$tool rc=$?"; tail -1 $OUT/$tool-tp4.log
done
cat $OUT/device.txt
