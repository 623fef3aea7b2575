#!/usr/bin/env bash
# Device run 3 (#13): where DeepSeek-V3's a8w8 layer spends its time with
# the staged fp8 mma_row_dot kernels of run 2 (per-kernel times at T = 16
# and 256; ncu of the two GEMMs at T = 16), and plan candidates
# (build-variants.sh, plans.txt) timed beside the planner's, same run.
cd "$(dirname "$0")/../../../.."
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $OUT/device.txt
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
B=build-runtime/lib/libmoe_runtime_cuda.so
P="python3 bench/profile_case.py --fp8 --artifacts gpu-artifacts/fp8 --backend $B --model deepseek_v3_tp8"
for t in 16 256; do
  timeout 60 $P --tokens $t > $OUT/profile-T$t.txt 2>&1; echo "profile T=$t rc=$?"
  grep -E "moe_|Self CUDA time" $OUT/profile-T$t.txt | cut -c1-40,100-200 | head -8
done
timeout 120 ncu --section SpeedOfLight --section InstructionStats --section WarpStateStats --section Occupancy --section LaunchStats --section MemoryWorkloadAnalysis -k regex:grouped_matmul --launch-skip 4 --launch-count 2 $P --tokens 16 --plain 4 > $OUT/ncu-T16.txt 2>&1
echo "ncu rc=$?"
grep -E "grouped_matmul|DRAM Throughput|Duration|Registers Per|Achieved Occupancy|Issue Slots|Executed Ipc A|Warp Cycles Per Issued|Shared Memory Configuration Size|Block Limit" $OUT/ncu-T16.txt | head -40
V=gpu-artifacts/fp8-variants
C=""; for d in $V/*/; do l=$(basename $d); C="$C,$l=$d"; done
timeout 240 python3 bench/fp8_layer.py run --no-triton --models deepseek_v3_tp8 --artifacts gpu-artifacts/fp8 --backend $B \
  --candidates "${C#,}" > $OUT/candidates.txt 2> $OUT/candidates.err
echo "candidates rc=$?"; grep -v "bf16 |\|a16w8" $OUT/candidates.txt; tail -3 $OUT/candidates.err
