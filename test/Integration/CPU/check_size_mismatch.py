"""Runs mismatched inputs through two builds of one program and expects the
same run-time size check error from both (exit code 1, no results); then
expert ids outside [0, E), for which both report the count, the first bad id
and its token that this script computes from the inputs.

Prints "CASE: MESSAGE" for each case (the message the default build gave),
then "N passed, N failed".
"""

import argparse
import os
import re
import subprocess
import tempfile

import numpy as np


def run(moe_run, backend, lib, entry, inputs):
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [moe_run, lib, "--entry", entry, "--output-dir", tmp,
               "--backend", backend]
        for i, value in enumerate(inputs):
            path = os.path.join(tmp, f"in{i}.npy")
            np.save(path, value)
            cmd += ["--input", path]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wrote = os.path.exists(os.path.join(tmp, "result0.npy"))
        return proc.returncode, proc.stderr.strip(), wrote


def experts_inputs(tokens, ids_tokens, weights_tokens, hidden=32, e1=8,
                   e2=8, two_i=48, inter=24):
    rng = np.random.default_rng(0)
    f = np.float32
    return [rng.uniform(-1, 1, (tokens, hidden)).astype(f),
            rng.uniform(-1, 1, (e1, two_i, 32)).astype(f),
            rng.uniform(-1, 1, (e2, 32, inter)).astype(f),
            rng.uniform(0, 1, (weights_tokens, 2)).astype(f),
            rng.integers(0, min(e1, e2), (ids_tokens, 2)).astype(np.int32)]


CASES = [
    ("ids T", "experts", experts_inputs(4, 3, 4)),
    ("ids T, large x", "experts", experts_inputs(3000, 1, 3000)),
    ("weights T", "experts", experts_inputs(4, 4, 1)),
    ("x T", "experts", experts_inputs(2, 5, 5)),
    ("H", "experts", experts_inputs(4, 4, 4, hidden=16)),
    ("E", "experts_dynamic_e_i", experts_inputs(4, 4, 4, e2=4)),
    ("I", "experts_dynamic_e_i", experts_inputs(4, 4, 4, inter=16)),
    ("residual T", "norm", [np.ones((4, 32), np.float32),
                            np.ones((3, 32), np.float32),
                            np.ones((32,), np.float32)]),
]


def with_ids(inputs, bad):
    """`inputs` with ids[t, j] = v for each (t, j, v) in `bad`."""
    ids = inputs[4].copy()
    for t, j, v in bad:
        ids[t, j] = v
    return inputs[:4] + [ids]


# Expert ids outside [0, E) are an error, not a dropped route: the one-
# workgroup align, the chunked one (T*k > 1024 routes) and a large T.
INT32 = np.iinfo(np.int32)
ROUTE_CASES = [
    ("id E", "experts", with_ids(experts_inputs(4, 4, 4), [(2, 1, 8)])),
    ("ids -1, INT_MIN, INT_MAX", "experts",
     with_ids(experts_inputs(4, 4, 4),
              [(0, 1, -1), (1, 0, INT32.min), (3, 1, INT32.max)])),
    ("ids past the chunked-align threshold", "experts",
     with_ids(experts_inputs(600, 600, 600), [(550, 1, 9), (599, 0, -5)])),
    ("id at the last of 3000 tokens", "experts",
     with_ids(experts_inputs(3000, 3000, 3000), [(2999, 1, 12)])),
    # T = 1 of 8 experts and k = 2 runs in route order on sm_90: no align,
    # the GEMMs report it.
    ("id E at T = 1", "experts", with_ids(experts_inputs(1, 1, 1), [(0, 1, 8)])),
]


def route_failure(ids, experts):
    """The report a route check gives for `ids`, computed here."""
    flat = ids.reshape(-1).astype(np.int64)
    bad = np.nonzero((flat < 0) | (flat >= experts))[0]
    first = bad[0]
    noun = "id" if len(bad) == 1 else "ids"
    return (f"{len(bad)} route {noun} outside [0, {experts}), first "
            f"{flat[first]} at token {first // ids.shape[1]}")


def size_report(got, inputs):
    """(ok, message shown, why it failed) of a size case: both builds fail
    with the same run-time size check and write no results."""
    message = re.sub(r"^moe-run: error: entry '\w+': run-time size check "
                     r"failed: ", "", got[0][1])
    ok = all(rc == 1 and not wrote and "run-time size check failed" in err
             for rc, err, wrote in got) and got[0][1] == got[1][1]
    return ok, message, ""


def route_report(got, inputs):
    """(ok, report shown, why it failed) of a route case. The default build
    reports the align that moe.experts expands into (in route order its
    first GEMM), --no-optimize moe.experts itself: the same location and
    report, computed here."""
    expected = route_failure(inputs[4], inputs[1].shape[0])
    pattern = (r"^moe-run: error: entry '\w+': run-time check failed: "
               r"moe\.(align|grouped_matmul|experts) at (\S+): (.*)$")
    reports = [re.match(pattern, err) for _, err, _ in got]
    ok = all(rc == 1 and not wrote and report is not None
             and report.group(3) == expected
             for (rc, _, wrote), report in zip(got, reports)) and \
        reports[0].group(2) == reports[1].group(2)
    shown = reports[0].group(3) if reports[0] else got[0][1]
    return ok, shown, f"expected '{expected}'; "


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lib", required=True, help="default build")
    parser.add_argument("--direct-lib", required=True,
                        help="the same program built with --no-optimize")
    parser.add_argument("--moe-run", required=True)
    parser.add_argument("--backend", default="cpu")
    args = parser.parse_args()
    listing = subprocess.run([args.moe_run, args.lib, "--list", "--backend",
                              args.backend], capture_output=True, text=True)
    if listing.returncode != 0:
        print(f"FAIL listing the entries (exit code {listing.returncode}): "
              f"{(listing.stderr + listing.stdout).strip()}")
        print("0 passed, 1 failed")
        return
    listing = listing.stdout
    entries = set(re.findall(r"^entry (\w+)", listing, re.MULTILINE))
    passed = failed = 0
    for cases, judge in ((CASES, size_report), (ROUTE_CASES, route_report)):
        for name, entry, inputs in cases:
            if entry not in entries:
                # The GPU program leaves out what GPU kernels cannot take
                # (dynamic weight shapes); the CPU test checks every message.
                print(f"{name}: skipped, the library has no entry '{entry}'")
                continue
            got = [run(args.moe_run, args.backend, lib, entry, inputs)
                   for lib in (args.lib, args.direct_lib)]
            ok, shown, why = judge(got, inputs)
            print(f"{name}: {shown}")
            if ok:
                passed += 1
            else:
                failed += 1
                print(f"FAIL {name}: {why}default build {got[0]}, "
                      f"--no-optimize build {got[1]}")
    if passed + failed == 0:
        failed = 1
        print("FAIL no case ran")
    print(f"{passed} passed, {failed} failed")


if __name__ == "__main__":
    main()
