#!/bin/sh
# Stands in for moe-opt to show that mutate_inputs.py reports a crash: dies by SIGSEGV.
cat > /dev/null
kill -SEGV $$
