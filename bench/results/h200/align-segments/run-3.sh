#!/usr/bin/env bash
# Device run 3: the benchmark at T = 1, 4, 1024, 4096 of the segment
# placement against the previous commit's libraries, then the sweep of
# shared-tile and warpgroup plans at T = 16, 64, 256 (tune_plans.py).
cd "$(dirname "$0")/.."
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
B=build-runtime/lib/libmoe_runtime_cuda.so
timeout 300 python3 bench/moe_bench.py --artifacts gpu-artifacts/bench-new --variant main=gpu-artifacts/bench-main --tokens 1,4,1024,4096 --backend $B --out $OUT/bench > $OUT/bench.log 2>&1; echo "bench rc=$?"
grep "^|" $OUT/bench.log | cut -d'|' -f2-9 | tail -44
timeout 225 python3 bench/tune_plans.py run --dir gpu-artifacts/tune-mid --backend $B --out $OUT/tune > $OUT/tune.log 2>&1; echo "tune rc=$?"
tail -16 $OUT/tune.log
