#!/usr/bin/env bash
# Device run 2: the GPU tests under racecheck and synccheck.
cd "$(dirname "$0")/.."
start=$(date +%s)
timeout 570 utils/gpu-tests.sh --sanitize=racecheck,synccheck gpu-artifacts/tests > $OUT/gpu-tests-race-sync.log 2>&1; echo "gpu-tests rc=$? in $(( $(date +%s) - start )) s"
grep -E "^gpu-tests|passed|FAIL|ERROR" $OUT/gpu-tests-race-sync.log | tail -30
