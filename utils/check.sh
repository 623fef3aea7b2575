#!/usr/bin/env bash
# Runs the whole lit suite of a build folder and ends with a "N passed, N failed" line.
set -uo pipefail
build=${1:-build}
lit=${LIT:-/usr/lib/llvm-22/bin/lit}
log="$build/check.log"

"$lit" -sv "$build/test" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

count() { grep -E "^ *$1: *[0-9]+" "$log" | grep -oE "[0-9]+" | tail -n 1; }
passed=$(( $(count Passed || echo 0) + $(count "Expectedly Failed" || echo 0) ))
failed=$(( $(count Failed || echo 0) + $(count "Unexpectedly Passed" || echo 0) ))
skipped=$(count Unsupported || echo 0)
echo "check: ${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
exit "$rc"
