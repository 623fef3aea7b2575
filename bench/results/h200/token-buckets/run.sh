#!/usr/bin/env bash
# Device run: GPU tests (with one library for every T: layers at
# T = 1, 3, 17, 64, 300, 1500), compute-sanitizer on that library, and the
# benchmark of the per-T libraries with the one-library-per-model build
# (token buckets) as a variant.
cd "$(dirname "$0")/.."
utils/gpu-tests.sh gpu-artifacts/tests > $OUT/gpu-tests.log 2>&1; echo "gpu-tests rc=$?"
tail -1 $OUT/gpu-tests.log
grep -A22 "== layers, one library" $OUT/gpu-tests.log | cut -c1-140
for tool in memcheck racecheck synccheck; do
  printf '#!/usr/bin/env bash\nexec compute-sanitizer --tool %s --error-exitcode 9 %s "$@"\n' $tool "$PWD/build-runtime/bin/moe-run" > /tmp/san-$tool.sh
  chmod +x /tmp/san-$tool.sh
  tokens=1,3,17,64,300,1500
  [ $tool = memcheck ] || tokens=3,300
  echo "== $tool layers.buckets T=$tokens" >> $OUT/sanitize.log
  timeout 100 python3 test/Integration/CPU/check_layers.py --lib gpu-artifacts/tests/layers.buckets.sm_90.so --moe-run /tmp/san-$tool.sh --backend cuda --tokens $tokens 2>&1 | grep -E "passed|FAIL|ERROR" >> $OUT/sanitize.log
done
cat $OUT/sanitize.log
timeout 330 python3 bench/moe_bench.py --artifacts gpu-artifacts/bench-f --variant buckets=gpu-artifacts/bench-b --models qwen3_235b_tp4,gpt_oss_120b,deepseek_v3_tp8 --backend build-runtime/lib/libmoe_runtime_cuda.so --out $OUT/bench > $OUT/bench.log 2>&1; echo "bench rc=$?"
tail -30 $OUT/bench.log
