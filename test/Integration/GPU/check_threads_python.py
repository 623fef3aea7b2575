"""One GPU library called from 8 threads at once, each on its own CUDA
stream, through moe_mlir.GPULibrary: size_mismatch_gpu.mlir's @experts with
a different token count per thread. Odd threads give ids one row short and
must get their own run-time size check failure (CheckFailed, "expected T,
found T-1"); even threads must get what a single-threaded call returned.
Prints one line per thread, then "N passed, M failed" like the other checks.

    check_threads_python.py --lib size_mismatch_gpu.sm_90.so --backend-lib libmoe_runtime_cuda.so
"""

import argparse
import os
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
HIDDEN, EXPERTS, INTER, TOP_K = 32, 8, 24, 2


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lib", required=True)
    parser.add_argument("--backend-lib", required=True)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()
    sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "python"))
    import torch
    from moe_mlir import GPULibrary
    from moe_mlir.library import CheckFailed
    lib = GPULibrary(os.path.abspath(args.lib),
                     os.path.abspath(args.backend_lib))

    gen = torch.Generator().manual_seed(3)
    w1 = (torch.rand(EXPERTS, 2 * INTER, HIDDEN, generator=gen) - 0.5) \
        .bfloat16().cuda()
    w2 = (torch.rand(EXPERTS, HIDDEN, INTER, generator=gen) - 0.5) \
        .bfloat16().cuda()
    plans = []
    for i in range(args.threads):
        tokens = 96 + 37 * i
        bad = i % 2 == 1
        x = (torch.rand(tokens, HIDDEN, generator=gen) - 0.5).bfloat16().cuda()
        weights = torch.rand(tokens, TOP_K, generator=gen).cuda()
        ids = torch.randint(0, EXPERTS, (tokens - 1 if bad else tokens, TOP_K),
                            generator=gen, dtype=torch.int32).cuda()
        plans.append((tokens, bad, (x, w1, w2, weights, ids)))

    def outcome(data):
        try:
            (y,) = lib.call("experts", *data)
            return y, ""
        except CheckFailed as failure:
            return None, str(failure)

    # What each thread's call gives alone, before any concurrency.
    single = [outcome(p[2]) for p in plans]
    failures = [[] for _ in plans]
    start = threading.Barrier(args.threads)

    def worker(i):
        tokens, bad, data = plans[i]
        stream = torch.cuda.Stream()
        start.wait()
        with torch.cuda.stream(stream):
            for n in range(args.calls):
                y, failure = outcome(data)
                if bad:
                    ok = y is None and \
                        f"expected {tokens}, found {tokens - 1}" in failure
                else:
                    ok = y is not None and not failure and \
                        torch.equal(y, single[i][0])
                if not ok:
                    failures[i].append(f"call {n}: "
                                       f"{failure or 'results differ'}")

    threads = [threading.Thread(target=worker, args=(i,))
               for i in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    passed = 0
    for i, (tokens, bad, _) in enumerate(plans):
        kind = "mismatched ids" if bad else "valid"
        if (single[i][0] is None) != bad:
            failures[i].insert(0, f"single-threaded call: "
                                  f"{single[i][1] or 'no check failed'}")
        if failures[i]:
            print(f"FAIL thread {i} (T={tokens}, {kind}): {len(failures[i])}"
                  f" of {args.calls} calls: {failures[i][0]}")
        else:
            passed += 1
            print(f"PASS thread {i} (T={tokens}, {kind}): {args.calls} calls"
                  f"{', ' + single[i][1] if bad else ''}")
    print(f"{passed} passed, {len(plans) - passed} failed")
    return 0 if passed == len(plans) else 1


if __name__ == "__main__":
    sys.exit(main())
