#!/usr/bin/env bash
# Device run (2026-12-05): block_m chosen by expected row blocks per expert
# (new, gpu-artifacts/bench-new) against the previous rule (main: the smallest
# block_m covering the mean count, gpu-artifacts/bench), moe-mlir only, at
# T = 64, 256, 1024 where the rule changes some block_m; the GPU tests on the
# new build first; then the per-kernel profile and ncu of tune-mid/run.sh's
# cases and as much of its plan sweep as time allows.
cd "$(dirname "$0")/../../../.."
start=$SECONDS
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
B=build-runtime/lib/libmoe_runtime_cuda.so
timeout 150 utils/gpu-tests.sh gpu-artifacts/tests > $OUT/gpu-tests.log 2>&1; echo "gpu-tests rc=$?"
tail -2 $OUT/gpu-tests.log; grep -E "^FAIL" $OUT/gpu-tests.log | head -20
mkdir -p $OUT/bench
timeout 200 python3 bench/moe_bench.py --artifacts gpu-artifacts/bench-new --variant main=gpu-artifacts/bench --skip-baselines --tokens 64,256,1024 --backend $B --out $OUT/bench > $OUT/bench.log 2>&1; echo "bench rc=$?"
cat $OUT/bench/results.md 2>/dev/null | head -30
echo "at $((SECONDS - start)) s"
tar xzf gpu-artifacts/pack/tune-mid.tgz
BUDGET=$((580 - SECONDS + start)) bash bench/results/h200/tune-mid/run.sh
# At most 8 files come back: one archive of them all.
cd $OUT && tar czf all.tgz --exclude=all.tgz . && find . -mindepth 1 ! -name all.tgz -delete
