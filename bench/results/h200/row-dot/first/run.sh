#!/usr/bin/env bash
# Device run: GPU tests with the row-dot GEMM check; the benchmark at
# T = 1..64 of libraries built with --gemm-loads=row-dot against the current
# default (bench-h, 91d140a's kernels) as the `previous` variant; ncu of the
# row-dot GEMMs of Qwen3 and DeepSeek-V3 at T = 1.
cd "$(dirname "$0")/.."
utils/gpu-tests.sh gpu-artifacts/tests > $OUT/gpu-tests.log 2>&1; echo "gpu-tests rc=$?"
tail -1 $OUT/gpu-tests.log
grep -A10 "== grouped_matmul row dot" $OUT/gpu-tests.log | cut -c1-140
printf '#!/usr/bin/env bash\nexec compute-sanitizer --tool memcheck --error-exitcode 9 %s "$@"\n' "$PWD/build-runtime/bin/moe-run" > /tmp/san-memcheck.sh; chmod +x /tmp/san-memcheck.sh
timeout 100 python3 test/Integration/GPU/check_grouped_matmul_row_dot.py --lib gpu-artifacts/tests/grouped_matmul_row_dot.sm_90.so --moe-run /tmp/san-memcheck.sh --backend cuda 2>&1 | grep -E "passed|FAIL|ERROR" > $OUT/sanitize.log
cat $OUT/sanitize.log
timeout 300 python3 bench/moe_bench.py --artifacts gpu-artifacts/bench-rd --variant previous=gpu-artifacts/bench-h --tokens 1,4,16,64 --backend build-runtime/lib/libmoe_runtime_cuda.so --out $OUT/bench > $OUT/bench.log 2>&1; echo "bench rc=$?"
grep "^|" $OUT/bench.log | tail -24
for m in qwen3_235b_tp4 deepseek_v3_tp8; do
  timeout 100 ncu --clock-control none --section SpeedOfLight --section Occupancy --section LaunchStats --section WarpStateStats --section MemoryWorkloadAnalysis -k regex:grouped_matmul -c 2 python3 bench/profile_case.py --artifacts gpu-artifacts/bench-rd --backend build-runtime/lib/libmoe_runtime_cuda.so --model $m --tokens 1 > $OUT/ncu-$m-T1.txt 2>&1
  grep -E "grouped_matmul|Duration|Memory Throughput|Achieved Occupancy|Registers Per|Grid Size" $OUT/ncu-$m-T1.txt | head -20
done
