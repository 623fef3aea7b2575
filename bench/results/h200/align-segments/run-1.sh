#!/usr/bin/env bash
# Device run 1: per-kernel times (torch.profiler) of the current default at
# T = 16, 64, 256 of every model, and ncu of the two GEMMs of Qwen3 T = 64
# and DeepSeek-V3 T = 256.
cd "$(dirname "$0")/.."
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > $OUT/build-runtime.log 2>&1
cmake --build build-runtime -j16 >> $OUT/build-runtime.log 2>&1; echo "runtime rc=$?"
B=build-runtime/lib/libmoe_runtime_cuda.so
for m in qwen3_235b_tp4 gpt_oss_120b deepseek_v3_tp8 mixtral_8x7b_tp2 minimax_m3_tp8; do
  for t in 16 64 256; do
    echo "== profile $m T=$t" >> $OUT/profile.txt
    timeout 60 python3 bench/profile_case.py --artifacts gpu-artifacts/bench-main --backend $B --model $m --tokens $t 2>&1 | grep -E "moe_|Memset|Self CUDA time" >> $OUT/profile.txt
  done
done
echo "profile done"
for c in "qwen3_235b_tp4 64" "deepseek_v3_tp8 256" "gpt_oss_120b 64"; do
  set -- $c
  timeout 150 ncu --section SpeedOfLight --section LaunchStats --section Occupancy --section WarpStateStats --section MemoryWorkloadAnalysis -k regex:moe_grouped --launch-skip 4 --launch-count 2 python3 bench/profile_case.py --artifacts gpu-artifacts/bench-main --backend $B --model $1 --tokens $2 --plain 4 > $OUT/ncu-$1-T$2.txt 2>&1
  echo "ncu $1 $2 rc=$?"
  grep -E "moe_grouped|Duration|DRAM Throughput|Achieved Occupancy|Waves Per SM|Registers Per|Shared Memory Config|Block Limit" $OUT/ncu-$1-T$2.txt
done
