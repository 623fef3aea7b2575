#!/usr/bin/env bash
# Device run 6: compute-sanitizer racecheck and synccheck over the
# grouped-GEMM checks (the summed-routes entries of grouped_matmul.mlir and
# grouped_matmul_row_dot.mlir among them).
cd "$(dirname "$0")/../../../.."
timeout 280 utils/gpu-tests.sh --sanitize=racecheck,synccheck --only=grouped_matmul gpu-artifacts/tests > $OUT/sanitize.log 2>&1; echo "sanitize rc=$?"
tail -4 $OUT/sanitize.log
