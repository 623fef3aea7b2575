#!/usr/bin/env bash
# Device run 4 (#13): memcheck of the MXFP4 GPU tests with run 3's kernels
# (run 3's timed out at 80 s), and ncu of the two a16w4 GEMMs at T = 16
# with the pipe and instruction sections, for what bounds mma_row_dot.
# Needs gpu-artifacts/tests and gpu-artifacts/mxfp4 built at the running
# commit.
cd "$(dirname "$0")/../../../.."
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $OUT/device.txt
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build-runtime -j16 > /dev/null || exit 1
RUN="python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run --artifacts gpu-artifacts/tests"
timeout 300 $RUN --only "MXFP4" --sanitize memcheck > $OUT/memcheck-mxfp4.log 2>&1
echo "memcheck rc=$?"; tail -1 $OUT/memcheck-mxfp4.log
P="python3 bench/profile_case.py --mxfp4 --artifacts gpu-artifacts/mxfp4 --backend build-runtime/lib/libmoe_runtime_cuda.so --model gpt_oss_120b"
timeout 200 ncu --section SpeedOfLight --section ComputeWorkloadAnalysis --section InstructionStats --section WarpStateStats --section Occupancy --section LaunchStats -k regex:moe_grouped --launch-skip 4 --launch-count 2 $P --tokens 16 --plain 4 > $OUT/ncu-T16.txt 2>&1
echo "ncu rc=$?"
grep -E "moe_grouped|DRAM Throughput|Duration|Registers Per|Achieved Occupancy|Issue Slots|Executed Ipc|Pipe|Warp Cycles Per Issued" $OUT/ncu-T16.txt | head -40
