#!/usr/bin/env bash
# Device run: GPU tests again (check_layers' norm weight now bf16), sanitizers
# on the one-library-for-every-T build, the benchmark of the two models not
# run before (per-T libraries, token buckets as the variant), and ncu on the
# two GEMMs of Qwen3 T = 1.
cd "$(dirname "$0")/.."
utils/gpu-tests.sh gpu-artifacts/tests > $OUT/gpu-tests.log 2>&1; echo "gpu-tests rc=$?"
tail -1 $OUT/gpu-tests.log
grep -A19 "== layers, one library" $OUT/gpu-tests.log | cut -c1-120
for tool in memcheck racecheck synccheck; do
  printf '#!/usr/bin/env bash\nexec compute-sanitizer --tool %s --error-exitcode 9 %s "$@"\n' $tool "$PWD/build-runtime/bin/moe-run" > /tmp/san-$tool.sh
  chmod +x /tmp/san-$tool.sh
  tokens=1,3,17,64,300,1500
  [ $tool = memcheck ] || tokens=3,300
  echo "== $tool layers.buckets T=$tokens" >> $OUT/sanitize.log
  timeout 100 python3 test/Integration/CPU/check_layers.py --lib gpu-artifacts/tests/layers.buckets.sm_90.so --moe-run /tmp/san-$tool.sh --backend cuda --tokens $tokens 2>&1 | grep -E "passed|FAIL|ERROR" >> $OUT/sanitize.log
done
cat $OUT/sanitize.log
timeout 240 python3 bench/moe_bench.py --artifacts gpu-artifacts/bench-f --variant buckets=gpu-artifacts/bench-b --models mixtral_8x7b_tp2,minimax_m3_tp8 --backend build-runtime/lib/libmoe_runtime_cuda.so --out $OUT/bench > $OUT/bench.log 2>&1; echo "bench rc=$?"
tail -40 $OUT/bench.log | grep "^|"
timeout 120 ncu --clock-control none --section SpeedOfLight --section Occupancy --section LaunchStats --section WarpStateStats --section MemoryWorkloadAnalysis -k regex:grouped_matmul -c 2 python3 bench/profile_case.py --artifacts gpu-artifacts/bench-f --backend build-runtime/lib/libmoe_runtime_cuda.so --model qwen3_235b_tp4 --tokens 1 > $OUT/ncu-qwen-T1.txt 2>&1; echo "ncu rc=$?"
grep -E "moe_grouped|Duration|DRAM Throughput|Memory Throughput|Achieved Occupancy|Theoretical Occupancy|Registers Per|Grid Size|Block Size|Waves Per SM|Stall|Block Limit" $OUT/ncu-qwen-T1.txt | head -60
