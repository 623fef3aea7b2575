"""Runs one entry of two libraries on the same random inputs and compares.

Used for the equivalence tests of the graph passes: the program compiled
with and without a pass must agree within the tolerance of --dtype (see
harness.py). moe-run --random-inputs with one seed gives both the same inputs.
"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

from harness import compare_close


def run(moe_run, lib, entry, dim, seed, out, int_max=None):
    cmd = [moe_run, lib, "--entry", entry, "--random-inputs", "--seed",
           str(seed), "--dim", f"T={dim}", "--output-dir", out]
    if int_max is not None:
        cmd += ["--int-max", str(int_max)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"FAIL {lib}: {proc.stdout}{proc.stderr}")
    results = []
    while os.path.exists(os.path.join(out, f"result{len(results)}.npy")):
        results.append(np.load(os.path.join(out, f"result{len(results)}.npy")))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--moe-run", required=True)
    parser.add_argument("--entry", required=True)
    parser.add_argument("--dtype", default="bf16")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dims", default="1,6")
    parser.add_argument("--int-max", type=int,
                        help="largest random integer input (moe-run's; "
                             "default 0)")
    parser.add_argument("--tolerance", type=float,
                        help="relative tolerance instead of --dtype's (for "
                             "programs that round to the element type at "
                             "more places than one kernel does)")
    parser.add_argument("without")
    parser.add_argument("with_pass")
    args = parser.parse_args()
    failures = checks = 0
    for dim in [int(d) for d in args.dims.split(",")]:
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            want = run(args.moe_run, args.without, args.entry, dim, args.seed,
                       a, args.int_max)
            got = run(args.moe_run, args.with_pass, args.entry, dim,
                      args.seed, b, args.int_max)
        if len(got) != len(want) or not want:
            sys.exit(f"FAIL {args.entry}: {len(got)} results vs {len(want)}")
        for i, (g, w) in enumerate(zip(got, want)):
            checks += 1
            ok, message = compare_close(g, w, args.dtype, args.tolerance)
            failures += not ok
            print(f"{'PASS' if ok else 'FAIL'} {args.entry} T={dim} "
                  f"result{i}: {message}")
    print(f"{checks - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
