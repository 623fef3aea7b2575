#!/usr/bin/env bash
# Device run (2026-12-05), after the review: the two-stage owners rotate over
# each workgroup's rows, and one_shot_repeat's third call negates x (a read
# of the first call's sum, left in the same buffer, would show). Only the
# tp cases (little device time was left): libraries rebuilt with
#   python3 test/Integration/GPU/run.py --build --artifacts gpu-artifacts/tests ...
cd "$(dirname "$0")/../../.."
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $OUT/device-2.txt
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
timeout 150 python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run \
  --artifacts gpu-artifacts/tests --only tp > $OUT/gpu-tests-tp.log 2>&1
echo "tp rc=$?"; tail -1 $OUT/gpu-tests-tp.log; grep -c "^PASS" $OUT/gpu-tests-tp.log
grep "^FAIL" $OUT/gpu-tests-tp.log | head
