#!/usr/bin/env bash
# Device run (2026-12-05): where the T = 16..256 layers spend their time
# (per-kernel times and ncu of their two grouped GEMMs, as midT-profile/run.sh
# prepared), then the plan sweep of shared-tile and warpgroup plans at
# T = 16, 64, 256 for every benchmark model.
# Artifacts: bench/build.py -> gpu-artifacts/bench, bench/tune_plans.py build
# --tokens 16,64,256 --loads shared_tiles,warpgroup_tiles -> gpu-artifacts/tune-mid.
cd "$(dirname "$0")/../../../.."
[ -f build-runtime/lib/libmoe_runtime_cuda.so ] || { cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null; } || exit 1
B=build-runtime/lib/libmoe_runtime_cuda.so
A=gpu-artifacts/bench
CASES="qwen3_235b_tp4:64 qwen3_235b_tp4:256 deepseek_v3_tp8:256 mixtral_8x7b_tp2:256 gpt_oss_120b:16"
start=$SECONDS
BUDGET=${BUDGET:-560}  # seconds this script may take
for c in $CASES; do
  m=${c%:*}; t=${c#*:}
  echo "== $m T=$t"
  timeout 40 python3 bench/profile_case.py --artifacts $A --backend $B --model $m --tokens $t 2>&1 | grep -E "moe_|Memset|Self CUDA time total"
done > $OUT/profile.txt
for c in $CASES; do
  m=${c%:*}; t=${c#*:}
  [ $((SECONDS - start)) -gt $((BUDGET / 3)) ] && break
  echo "== ncu $m T=$t"
  timeout 60 ncu --clock-control none --section SpeedOfLight --section Occupancy --section LaunchStats --section MemoryWorkloadAnalysis -k regex:grouped_matmul -c 2 python3 bench/profile_case.py --artifacts $A --backend $B --model $m --tokens $t --plain 1 2>&1
done > $OUT/ncu.txt
echo "profile+ncu took $((SECONDS - start)) s"
grep -E "^== |  moe_grouped_matmul|Duration|DRAM Throughput|Memory Throughput|Achieved Occupancy|Registers Per|Grid Size|Block Size|Dynamic Shared Memory Per|L2 Hit Rate|dram__bytes" $OUT/ncu.txt | head -90
mkdir -p $OUT/tune
timeout $((BUDGET - SECONDS + start)) python3 bench/tune_plans.py run --dir gpu-artifacts/tune-mid --backend $B --out $OUT/tune > $OUT/tune.log 2>&1; echo "tune rc=$?"
tail -20 $OUT/tune.log
