#!/usr/bin/env bash
# Builds the GEMM1 plan candidates of the gpt-oss-120b a16w4 layer that
# run-1.sh times beside the planner's (bench/plan_variants.py), into
# gpu-artifacts/mma-variants/LABEL; plans.txt lists each library's plans.
cd "$(dirname "$0")/../../../.."
OUT=gpu-artifacts/mma-variants
SRC=gpu-artifacts/mxfp4/gpt_oss_120b.a16w4.mlir
LOG=bench/results/h100/mma-row-dot/plans.txt
: > $LOG
variant() { # LABEL T FIELDS
  mkdir -p $OUT/$1
  python3 bench/plan_variants.py --moe-opt build/bin/moe-opt \
    --moe-compile build/bin/moe-compile --program $SRC --tokens $2 \
    --gemm 0 --set $3 -o $OUT/$1/gpt_oss_120b.a16w4.T$2.sm_90.so \
    | sed "s|$OUT/||" >> $LOG
}
variant more-slices 1 slices=8
variant fewer-slices 1 slices=2
variant unroll2 1 unroll=2
variant group1 1 group=1,block_n=8,slices=8
variant more-slices 4 slices=2
variant unroll2 4 unroll=2
for t in 16 64; do
  variant unroll2 $t unroll=2
  variant group1 $t group=1,block_n=32
  variant rows16 $t row_group=16
done
variant rows8 256 row_group=8
variant unroll2 256 unroll=2,row_group=8
variant group1 256 group=1,block_n=32
