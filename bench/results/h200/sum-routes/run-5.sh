#!/usr/bin/env bash
# Device run 5: T = 1024 of every model with the two T = 1024 entries of
# sum-routes/tune-t1024 (MiniMax GEMM1, Qwen3 GEMM2), against Triton.
cd "$(dirname "$0")/../../../.."
[ -f build-runtime/lib/libmoe_runtime_cuda.so ] || { cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null; }
B=build-runtime/lib/libmoe_runtime_cuda.so
timeout 300 python3 bench/moe_bench.py --artifacts gpu-artifacts/bench-new --tokens 1024 --backend $B --out $OUT/bench > $OUT/bench.log 2>&1; echo "bench rc=$?"
grep -E "^\| [a-z0-9_]+ \| [0-9]+ \|" $OUT/bench/results.md | cut -d'|' -f2-9
