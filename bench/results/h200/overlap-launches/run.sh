#!/usr/bin/env bash
# Device run: overlapped launches (griddepcontrol + programmatic stream
# serialization). The GPU tests (plain and memcheck) of libraries built with
# it; the benchmark of those libraries (moe-mlir) against e8a7ac3's (the same
# kernels without griddepcontrol, launched one after another: previous),
# five models, T = 1..4096, same run.
cd "$(dirname "$0")/.."
timeout 200 utils/gpu-tests.sh --sanitize=memcheck gpu-artifacts/tests > $OUT/gpu-tests.log 2>&1; echo "gpu-tests rc=$?"
grep -E "^gpu-tests|FAIL|ERROR" $OUT/gpu-tests.log | tail -12
timeout 370 python3 bench/moe_bench.py --artifacts gpu-artifacts/bench-pdl --variant previous=gpu-artifacts/bench-new --backend build-runtime/lib/libmoe_runtime_cuda.so --out $OUT/bench > $OUT/bench.log 2>&1; echo "bench rc=$?"
grep "^|" $OUT/bench.log | tail -37
