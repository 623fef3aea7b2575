"""Compares the (weights, ids) results of a router entry in two libraries.

The weights must agree within the bf16 tolerance (harness.py). The ids must
be equal, except where the two routers picked different experts of equal
weight: a tie in the scores, whose order tm_tensor.sort leaves unspecified
(moe.gate takes the lower id). A different pick of another weight is a
failure.
"""

import argparse
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "Integration", "CPU"))
from compare_libs import run  # noqa: E402
from harness import compare_close  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--moe-run", required=True)
    parser.add_argument("--entry", required=True)
    parser.add_argument("--dims", default="1,6")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("without")
    parser.add_argument("with_pass")
    args = parser.parse_args()
    failures = checks = 0
    for dim in [int(d) for d in args.dims.split(",")]:
        with tempfile.TemporaryDirectory() as a, \
                tempfile.TemporaryDirectory() as b:
            want = run(args.moe_run, args.without, args.entry, dim, args.seed, a)
            got = run(args.moe_run, args.with_pass, args.entry, dim,
                      args.seed, b)
        if len(want) != 2 or len(got) != 2:
            sys.exit(f"FAIL {args.entry}: expected (weights, ids) results")
        checks += 2
        ok, message = compare_close(got[0], want[0], "bf16")
        failures += not ok
        print(f"{'PASS' if ok else 'FAIL'} {args.entry} T={dim} weights: "
              f"{message}")
        differ = got[1] != want[1]
        tied = differ & (got[0] == want[0])
        ok = not (differ & ~tied).any()
        failures += not ok
        print(f"{'PASS' if ok else 'FAIL'} {args.entry} T={dim} ids: "
              f"{int(differ.sum())} of {differ.size} differ, "
              f"{int(tied.sum())} of them at equal weights (ties)")
    print(f"{checks - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
