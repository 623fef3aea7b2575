#!/usr/bin/env bash
# Device run 1 of route order: the GPU tests, memcheck on the GEMM, layer and
# size-check cases, then the benchmark at T = 1, 4, 16 against main's
# libraries (same run) and the per-kernel profile of the T = 1 layers.
cd "$(dirname "$0")/.."
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > $OUT/build-runtime.log 2>&1
cmake --build build-runtime -j16 >> $OUT/build-runtime.log 2>&1; echo "runtime rc=$?"
utils/gpu-tests.sh gpu-artifacts/tests > $OUT/gpu-tests.log 2>&1; echo "gpu-tests rc=$?"
grep -E "FAIL|gpu-tests:" $OUT/gpu-tests.log | tail -8
B=build-runtime/lib/libmoe_runtime_cuda.so
timeout 200 python3 bench/moe_bench.py --artifacts gpu-artifacts/bench-new --variant main=gpu-artifacts/bench-main --tokens 1,4,16 --backend $B --out $OUT/bench > $OUT/bench.log 2>&1; echo "bench rc=$?"
grep "^|" $OUT/bench.log | cut -d'|' -f2-10 | tail -22
for m in qwen3_235b_tp4 deepseek_v3_tp8 minimax_m3_tp8 gpt_oss_120b mixtral_8x7b_tp2; do
echo "== $m T=1"; python3 bench/profile_case.py --artifacts gpu-artifacts/bench-new --backend $B --model $m --tokens 1 2>&1 | grep -E "moe_" | sed -E 's/ +0.00% +0.000us//g'
done > $OUT/profile-T1.txt 2>&1; cat $OUT/profile-T1.txt | cut -c1-110
timeout 150 utils/gpu-tests.sh --sanitize=memcheck --only=grouped_matmul gpu-artifacts/tests > $OUT/sanitize.log 2>&1; echo "memcheck rc=$?"; grep -E "gpu-tests:" $OUT/sanitize.log | tail -3
