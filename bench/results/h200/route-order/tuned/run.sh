#!/usr/bin/env bash
# Device run 3 of route order: with route order's measured Qwen3 T = 1 plans
# (TunedPlans.inc), the benchmark at T = 1, 4 against main's libraries and
# the per-kernel profile of Qwen3 T = 1.
cd "$(dirname "$0")/.."
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
B=build-runtime/lib/libmoe_runtime_cuda.so
timeout 200 python3 bench/moe_bench.py --artifacts gpu-artifacts/bench-new --variant main=gpu-artifacts/bench-main --tokens 1,4 --backend $B --out $OUT/bench > $OUT/bench.log 2>&1; echo "bench rc=$?"
grep "^|" $OUT/bench.log | cut -d'|' -f2-9 | tail -28
echo "== qwen3_235b_tp4 T=1"; python3 bench/profile_case.py --artifacts gpu-artifacts/bench-new --backend $B --model qwen3_235b_tp4 --tokens 1 2>&1 | grep -E "moe_" | sed -E 's/ +0.00% +0.000us//g' | tee $OUT/profile-qwen-T1.txt
