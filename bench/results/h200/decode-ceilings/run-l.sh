#!/usr/bin/env bash
cd "$(dirname "$0")/.."
timeout 300 python3 gpu-artifacts/cal/gemv_ceiling.py > $OUT/gemv.txt 2>&1; cat $OUT/gemv.txt | tail -20
