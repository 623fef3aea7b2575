#!/usr/bin/env bash
# Runs the whole lit suite of a build folder and ends with a "N passed, N failed" line.
set -uo pipefail
build=${1:-build}
lit=${LIT:-/usr/lib/llvm-22/bin/lit}
log="$build/check.log"

"$lit" -sv "$build/test" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

# lit's closing lines look like "  Passed: 5 (71.43%)", or with the colons
# aligned ("  Passed     : 33 (97.06%)") when several kinds are listed.
count() { sed -nE "s/^ *$1 *: *([0-9]+).*/\1/p" "$log" | tail -n 1; }
passed=$(( $(count Passed) + $(count "Expectedly Failed") + 0 ))
failed=$(( $(count Failed) + $(count "Unexpectedly Passed") + 0 ))
skipped=$(( $(count Unsupported) + 0 ))
echo "check: ${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
exit "$rc"
