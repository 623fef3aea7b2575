#!/usr/bin/env bash
# Device run 2 (#13): where the a16w4 layer's time goes with mma_row_dot
# plans. Per-kernel times (torch.profiler, bench/profile_case.py --mxfp4) at
# T = 1, 16 and 256, and ncu of the two grouped GEMMs at T = 1 and 256.
# Needs gpu-artifacts/mxfp4 built at the running commit.
cd "$(dirname "$0")/../../../.."
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $OUT/device.txt
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
B=build-runtime/lib/libmoe_runtime_cuda.so
P="python3 bench/profile_case.py --mxfp4 --artifacts gpu-artifacts/mxfp4 --backend $B --model gpt_oss_120b"
for t in 1 16 256; do
  timeout 100 $P --tokens $t > $OUT/profile-T$t.txt 2>&1; echo "profile T=$t rc=$?"
  grep -E "moe_|Self CUDA time" $OUT/profile-T$t.txt | cut -c1-60,100-200 | head -8
done
for t in 1 256; do
  timeout 150 ncu --section SpeedOfLight --section LaunchStats --section Occupancy --section WarpStateStats -k regex:moe_grouped --launch-skip 4 --launch-count 2 $P --tokens $t --plain 4 > $OUT/ncu-T$t.txt 2>&1
  echo "ncu T=$t rc=$?"
  grep -E "moe_grouped|DRAM Throughput|Duration|Registers Per|Achieved Occupancy|Compute \(SM\) Throughput|Stall" $OUT/ncu-T$t.txt | head -30
done
