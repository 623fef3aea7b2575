#!/usr/bin/env bash
# Runs moe-opt on every example layer in examples/ and prints the parsed, verified IR.
set -euo pipefail
build=${1:-build}
for f in examples/*.mlir; do
  echo "=== $f ==="
  "$build/bin/moe-opt" "$f"
  echo
done
