#!/usr/bin/env bash
# Device run: the read-bandwidth ceiling; the GPU tests (plain and memcheck)
# of the build with the row-dot pass bound; the benchmark at T = 1, 4, 16 of
# that build against the previous commit's (b57e400) libraries.
cd "$(dirname "$0")/.."
python3 bench/read_ceiling.py --out $OUT/read_ceiling.json > $OUT/read_ceiling.txt 2>&1; echo "read rc=$?"; cat $OUT/read_ceiling.txt
timeout 250 utils/gpu-tests.sh --sanitize=memcheck gpu-artifacts/tests > $OUT/gpu-tests.log 2>&1; echo "gpu-tests rc=$?"
grep -E "^gpu-tests|passed|FAIL|ERROR" $OUT/gpu-tests.log | tail -12
timeout 200 python3 bench/moe_bench.py --artifacts gpu-artifacts/bench-new --variant previous=gpu-artifacts/bench-old --tokens 1,4,16 --backend build-runtime/lib/libmoe_runtime_cuda.so --out $OUT/bench > $OUT/bench.log 2>&1; echo "bench rc=$?"
grep "^|" $OUT/bench.log | tail -20
