#!/usr/bin/env bash
# Device run 3 of sum_routes: the whole benchmark (every model, the token
# counts given as $1, e.g. 1,4,16,64,256 and then 1024,4096 in a second call)
# with the committed plans (the T = 4 summed-routes entries included),
# against the Triton baseline; for bench/targets.py.
cd "$(dirname "$0")/../../../.."
[ -f build-runtime/lib/libmoe_runtime_cuda.so ] || { cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null; }
B=build-runtime/lib/libmoe_runtime_cuda.so
timeout 560 python3 bench/moe_bench.py --artifacts gpu-artifacts/bench-new --tokens "$1" --backend $B --out $OUT/bench > $OUT/bench.log 2>&1; echo "bench rc=$?"
grep -E "^\| [a-z0-9_]+ \| [0-9]+ \|" $OUT/bench/results.md | cut -d'|' -f2-9
