#!/usr/bin/env bash
# Device run 1: the GPU tests (plain and memcheck) of 9623c2f, incl. the
# route-id checks and the 8-thread/8-stream check; the benchmark of the
# bucketed libraries with route checks against those built with
# --route-checks=false, side by side.
cd "$(dirname "$0")/.."
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
start=$(date +%s)
timeout 330 utils/gpu-tests.sh --sanitize=memcheck gpu-artifacts/tests > $OUT/gpu-tests.log 2>&1; echo "gpu-tests rc=$? in $(( $(date +%s) - start )) s"
grep -E "^gpu-tests|passed|FAIL|ERROR|route|thread" $OUT/gpu-tests.log | tail -40
start=$(date +%s)
timeout 240 python3 bench/moe_bench.py --artifacts gpu-artifacts/bench-checks --variant no-route-checks=gpu-artifacts/bench-nochecks --skip-baselines --backend build-runtime/lib/libmoe_runtime_cuda.so --out $OUT/bench > $OUT/bench.log 2>&1; echo "bench rc=$? in $(( $(date +%s) - start )) s"
grep "^|" $OUT/bench.log | tail -45
