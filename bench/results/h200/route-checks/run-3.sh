#!/usr/bin/env bash
# Device run 3: the gate checks with NaN logits on the GPU kernel (plain and
# memcheck).
cd "$(dirname "$0")/.."
timeout 300 utils/gpu-tests.sh --sanitize=memcheck --only=gate gpu-artifacts/tests > $OUT/gpu-tests-gate.log 2>&1; echo "gpu-tests rc=$?"
grep -E "^gpu-tests|passed|FAIL|NaN" $OUT/gpu-tests-gate.log | tail -30
