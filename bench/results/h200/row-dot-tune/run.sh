#!/usr/bin/env bash
# (tune-rd: bench/tune_plans.py build --tokens 1,4 --loads row_dot with the
# compiler of b1010ba, whose model did not pick row dot: the planner entry
# `moe` of each case is the previous default.)
# Device run: utils/gpu-tests.sh --sanitize=memcheck on the row-dot case;
# then row-dot plan candidates per GEMM at T = 1 and 4, five models, against
# the planner's plans (row dot not picked by the model).
cd "$(dirname "$0")/.."
utils/gpu-tests.sh --sanitize=memcheck --only="row dot" gpu-artifacts/tests > $OUT/gpu-tests-sanitize.log 2>&1; echo "gpu-tests rc=$?"
grep -E "gpu-tests|passed" $OUT/gpu-tests-sanitize.log
timeout 400 python3 bench/tune_plans.py run --dir gpu-artifacts/tune-rd --backend build-runtime/lib/libmoe_runtime_cuda.so --out $OUT/tune > $OUT/tune.log 2>&1; echo "tune rc=$?"
grep -v "^{" $OUT/tune.log | tail -40
