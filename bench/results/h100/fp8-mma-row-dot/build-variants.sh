#!/usr/bin/env bash
# Builds plan candidates of DeepSeek-V3's a8w8 layer (one GEMM's plan
# changed, bench/plan_variants.py) into gpu-artifacts/fp8-variants/LABEL,
# which run-5.sh times beside the planner's; plans.txt lists each
# library's plans (GEMM1 first). Run 3's candidates (stages 2, slices 1
# and 4, group 1, unroll 2 with stages 2 on GEMM1; stages 2, slices 2 on
# GEMM2) are in run-3/candidates.txt and git history of this file.
cd "$(dirname "$0")/../../../.."
OUT=gpu-artifacts/fp8-variants
SRC=gpu-artifacts/fp8/deepseek_v3_tp8.a8w8_blocks.mlir
LOG=bench/results/h100/fp8-mma-row-dot/plans.txt
: > $LOG
variant() { # LABEL T GEMM FIELDS
  mkdir -p $OUT/$1
  python3 bench/plan_variants.py --moe-opt build/bin/moe-opt \
    --moe-compile build/bin/moe-compile --program $SRC --tokens $2 \
    --gemm $3 --set $4 -o $OUT/$1/deepseek_v3_tp8.a8w8_blocks.T$2.sm_90.so \
    | sed "s|$OUT/||" >> $LOG || echo "variant $1 T=$2 failed" >> $LOG
}
# Run 5: GEMM2 with two tiles a step against the planner's one (run 4's
# candidates: git history of this file and run-4/plans.txt).
for t in 16 64 256; do
  variant g2-group2 $t 1 group=2,block_n=128
done
