#!/usr/bin/env bash
# Device run: where the time of the T = 16..1024 layers that miss the
# GEMM-performance targets goes. Per-kernel GPU times (torch.profiler) of
# each case, then ncu (speed of light, occupancy, warp states, memory
# workload) of its two grouped GEMMs. Libraries: bench/build.py at HEAD.
cd "$(dirname "$0")/../../../.."
[ -f build-runtime/lib/libmoe_runtime_cuda.so ] || { cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null; }
B=build-runtime/lib/libmoe_runtime_cuda.so
A=gpu-artifacts/bench
CASES="qwen3_235b_tp4:64 gpt_oss_120b:16 deepseek_v3_tp8:256 mixtral_8x7b_tp2:256 mixtral_8x7b_tp2:16 deepseek_v3_tp8:1024"
for c in $CASES; do
  m=${c%:*}; t=${c#*:}
  echo "== $m T=$t"
  timeout 60 python3 bench/profile_case.py --artifacts $A --backend $B --model $m --tokens $t 2>&1 | grep -E "moe_|Memset|Self CUDA time total"
done > $OUT/profile.txt
cat $OUT/profile.txt
for c in $CASES; do
  m=${c%:*}; t=${c#*:}
  timeout 120 ncu --clock-control none --section SpeedOfLight --section Occupancy --section LaunchStats --section WarpStateStats --section MemoryWorkloadAnalysis -k regex:grouped_matmul -c 2 python3 bench/profile_case.py --artifacts $A --backend $B --model $m --tokens $t --plain 1 > $OUT/ncu-$m-T$t.txt 2>&1
  echo "== ncu $m T=$t"
  grep -E "  moe_grouped_matmul|Duration|DRAM Throughput|Achieved Occupancy|Registers Per|Grid Size|Block Size|Waves Per SM|Theoretical Occupancy|Dynamic Shared Memory Per|L2 Hit Rate" $OUT/ncu-$m-T$t.txt | head -40
done
