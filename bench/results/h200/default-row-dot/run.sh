#!/usr/bin/env bash
# Device run: the benchmark of the current default build (e8a7ac3), all five
# models and token counts: the committed results.md.
cd "$(dirname "$0")/.."
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
timeout 560 python3 bench/moe_bench.py --artifacts gpu-artifacts/bench-new --backend build-runtime/lib/libmoe_runtime_cuda.so --out $OUT/bench > $OUT/bench.log 2>&1; echo "bench rc=$?"
grep "^|" $OUT/bench.log | cut -d'|' -f2-9 | tail -37
