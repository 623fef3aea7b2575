#!/usr/bin/env bash
# Device run (2026-12-05): the layer with the tune-mid entries of
# TunedPlans.inc (tuned = bench/build.py with them) against the same build
# without them (new = ../block-m's new build), T = 16, 64, 256, the three
# models that got entries; moe-mlir only, one process.
cd "$(dirname "$0")/../../../.."
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
mkdir -p $OUT/bench
timeout 150 python3 bench/moe_bench.py --artifacts gpu-artifacts/bench-tuned --variant new=gpu-artifacts/bench-new --skip-baselines --models qwen3_235b_tp4,deepseek_v3_tp8,mixtral_8x7b_tp2 --tokens 16,64,256 --backend build-runtime/lib/libmoe_runtime_cuda.so --out $OUT/bench > $OUT/bench.log 2>&1; echo "bench rc=$?"
grep -v "^{" $OUT/bench.log
