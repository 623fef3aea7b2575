#!/usr/bin/env bash
# On two H200s (nvidia-h200-x2): the GPU tests' TP2 case
# (tp2_block on two ranks over NCCL == tp1_block; f32 all_reduce;
# all_gather and reduce_scatter), the first run of it on two GPUs.
cd "$(dirname "$0")/../../../.."
nvidia-smi -L
timeout 200 utils/gpu-tests.sh --only=tp2 gpu-artifacts/tests > $OUT/gpu-tests-tp2.log 2>&1; echo "tp2 rc=$?"
tail -30 $OUT/gpu-tests-tp2.log
