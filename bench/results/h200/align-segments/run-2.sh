#!/usr/bin/env bash
# Device run 2: the GPU tests of the segment placement of moe.align (plain;
# the align and layer checks under memcheck, racecheck, synccheck), the
# per-kernel times of the new libraries at T = 16, 64, 256, and the
# benchmark at those T against the previous commit's libraries.
cd "$(dirname "$0")/.."
utils/gpu-tests.sh gpu-artifacts/tests > $OUT/gpu-tests.log 2>&1; echo "gpu-tests rc=$?"
grep -E "FAIL|gpu-tests:" $OUT/gpu-tests.log | tail -8
timeout 150 utils/gpu-tests.sh --sanitize=memcheck,racecheck,synccheck --only=align gpu-artifacts/tests > $OUT/sanitize.log 2>&1; echo "sanitize align rc=$?"
grep -E "FAIL|gpu-tests:" $OUT/sanitize.log | tail -8
B=build-runtime/lib/libmoe_runtime_cuda.so
for m in qwen3_235b_tp4 gpt_oss_120b deepseek_v3_tp8 mixtral_8x7b_tp2 minimax_m3_tp8; do
  for t in 16 64 256; do
    echo "== profile $m T=$t" >> $OUT/profile.txt
    timeout 60 python3 bench/profile_case.py --artifacts gpu-artifacts/bench-new --backend $B --model $m --tokens $t 2>&1 | grep -E "moe_|Memset|Self CUDA time" >> $OUT/profile.txt
  done
done
grep -E "== profile|align" $OUT/profile.txt | awk '/==/{printf "%s ", $3 $4; next}{printf "%s=%s ", $1, $(NF-1)} END{print ""}'
timeout 330 python3 bench/moe_bench.py --artifacts gpu-artifacts/bench-new --variant main=gpu-artifacts/bench-main --tokens 16,64,256 --backend $B --out $OUT/bench > $OUT/bench.log 2>&1; echo "bench rc=$?"
grep "^|" $OUT/bench.log | tail -40
