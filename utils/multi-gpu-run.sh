#!/usr/bin/env bash
# On the GPU machine: the multi-GPU runs, logs and tables under $OUT
# (default multi-gpu-out/). Build first, where moe-compile is:
#   python3 test/Integration/GPU/run.py --build --artifacts gpu-artifacts/tests \
#       --moe-compile build/bin/moe-compile --moe-opt build/bin/moe-opt
#   python3 bench/allreduce_norm_bench.py build --moe-compile build/bin/moe-compile \
#       --ranks 2,4,8 --out gpu-artifacts/arb
# With N >= 2 GPUs it runs:
#   - the GPU tests' TP2 case (utils/gpu-tests.sh --only=tp2);
#   - the Python TP2 check;
#   - bench/allreduce_norm_bench.py on 2, 4 and 8 ranks, as far as N goes.
# With one GPU, the same, but the benchmark only as a check of the script:
# 2 ranks on GPU 0, H = 4096, T = 1 and 64, 20 calls. Timings from that
# check mean nothing.
set -u
cd "$(dirname "$0")/.."
out=${OUT:-multi-gpu-out}
mkdir -p "$out"
n=$(nvidia-smi -L | grep -c '^GPU ')
echo "GPUs: $n"
timeout 300 utils/gpu-tests.sh --only=tp2 gpu-artifacts/tests \
  > "$out/gpu-tests-tp2.log" 2>&1
echo "tp2 rc=$?; $(tail -1 "$out/gpu-tests-tp2.log")"
timeout 300 python3 test/Integration/GPU/check_tp_python.py \
  --lib gpu-artifacts/tests/tp2_block.sm_90.so \
  --backend-lib build-runtime/lib/libmoe_runtime_cuda.so \
  > "$out/python-tp2.log" 2>&1
echo "python rc=$?; $(tail -1 "$out/python-tp2.log")"
bench=(python3 bench/allreduce_norm_bench.py run --moe-run build-runtime/bin/moe-run
       --libs gpu-artifacts/arb)
if [[ $n -lt 2 ]]; then
  timeout 300 "${bench[@]}" --ranks 2 --same-device --hidden 4096 --tokens 1,64 \
    --calls 20 --out "$out/allreduce_norm_same_device" > "$out/bench-same-device.log" 2>&1
  echo "bench (2 ranks on GPU 0, a check of the script) rc=$?"
  exit 0
fi
for r in 2 4 8; do
  [[ $r -le $n ]] || break
  timeout 900 "${bench[@]}" --ranks "$r" --out "$out/allreduce_norm_N$r" \
    > "$out/bench-N$r.log" 2>&1
  echo "bench N=$r rc=$?"
done
