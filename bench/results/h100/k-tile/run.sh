#!/usr/bin/env bash
# Device run (2026-12-05): the model's 128-element k tiles for gated GEMMs
# over a long K (gpu-artifacts/bench-ktile) against main at 9246347
# (gpu-artifacts/bench-main), moe-mlir only, every benchmark model and T; the
# GPU tests of the new build first.
cd "$(dirname "$0")/../../../.."
start=$SECONDS
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
B=build-runtime/lib/libmoe_runtime_cuda.so
timeout 170 utils/gpu-tests.sh gpu-artifacts/tests > $OUT/gpu-tests.log 2>&1; echo "gpu-tests rc=$?"
tail -2 $OUT/gpu-tests.log; grep -E "^FAIL" $OUT/gpu-tests.log | head -20
echo "at $((SECONDS - start)) s"
mkdir -p $OUT/bench
timeout $((575 - SECONDS + start)) python3 bench/moe_bench.py --artifacts gpu-artifacts/bench-ktile --variant main=gpu-artifacts/bench-main --skip-baselines --backend $B --out $OUT/bench > $OUT/bench.log 2>&1; echo "bench rc=$?"
cat $OUT/bench/results.md 2>/dev/null | head -50
echo "at $((SECONDS - start)) s"
cd $OUT && tar czf all.tgz --exclude=all.tgz . && find . -mindepth 1 ! -name all.tgz -delete
