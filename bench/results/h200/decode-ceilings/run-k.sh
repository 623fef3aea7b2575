#!/usr/bin/env bash
# Device run: bandwidth ceilings of decode weight streams (cuBLAS GEMV, copy)
# and ncu of the T = 1 GEMMs of Qwen3 and DeepSeek-V3 (current default build).
cd "$(dirname "$0")/.."
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
python3 gpu-artifacts/cal/calibrate.py > $OUT/calibrate.txt 2>&1; cat $OUT/calibrate.txt
for m in qwen3_235b_tp4 deepseek_v3_tp8; do
  timeout 200 ncu --clock-control none --section SpeedOfLight --section Occupancy --section LaunchStats --section WarpStateStats --section MemoryWorkloadAnalysis --section SchedulerStats -k regex:grouped_matmul -c 2 python3 bench/profile_case.py --artifacts gpu-artifacts/bench-h --backend build-runtime/lib/libmoe_runtime_cuda.so --model $m --tokens 1 > $OUT/ncu-$m-T1.txt 2>&1
  grep -E "grouped_matmul|Duration|Memory Throughput|DRAM Throughput|Achieved Occupancy|Registers Per|Grid Size|Block Size|Waves Per SM|Theoretical Occupancy|Stall|Eligible|Issued Warp|Shared Memory Config|Dynamic Shared" $OUT/ncu-$m-T1.txt | head -60
done
