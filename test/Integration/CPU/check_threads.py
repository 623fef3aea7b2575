"""Calls one CPU library from several threads at once and checks every call.

The library is size_mismatch.mlir's @experts (x [T, H], w1, w2, weights and
ids [T, 2]). Each thread calls it repeatedly with its own token count; odd
threads give ids one row short, so their calls must fail a run-time size
check with their own sizes, while the even threads' calls must pass and
return exactly what a single-threaded call returned. A check state shared by
the threads would leak one thread's failure into another's status (or clear
it). Prints one line per thread, then "N passed, N failed".
"""

import argparse
import ctypes
import threading

import numpy as np

HIDDEN, EXPERTS, INTER, TOP_K = 32, 8, 24, 2


def to_bf16(values):
    """float32 -> bf16 bits (round to nearest even), as uint16."""
    bits = np.ascontiguousarray(values, np.float32).view(np.uint32)
    rounded = bits + 0x7FFF + ((bits >> 16) & 1)
    return (rounded >> 16).astype(np.uint16)


class Descriptor:
    """A memref descriptor {alloc, aligned, offset, sizes, strides}."""

    def __init__(self, array):
        self.array = np.ascontiguousarray(array)
        rank = self.array.ndim
        words = (ctypes.c_int64 * (3 + 2 * rank))()
        words[0] = words[1] = self.array.ctypes.data
        for d in range(rank):
            words[3 + d] = self.array.shape[d]
            words[3 + rank + d] = self.array.strides[d] // self.array.itemsize
        self.words = words


def inputs(tokens, ids_tokens, seed):
    rng = np.random.default_rng(seed)
    return [to_bf16(rng.uniform(-1, 1, (tokens, HIDDEN))),
            to_bf16(rng.uniform(-1, 1, (EXPERTS, 2 * INTER, HIDDEN))),
            to_bf16(rng.uniform(-1, 1, (EXPERTS, HIDDEN, INTER))),
            rng.uniform(0, 1, (tokens, TOP_K)).astype(np.float32),
            rng.integers(0, EXPERTS, (ids_tokens, TOP_K)).astype(np.int32)]


def call(lib, libc, args):
    """One call: (status words, result as uint16 bf16 bits or None)."""
    descs = [Descriptor(a) for a in args]
    result = (ctypes.c_int64 * 7)()
    status = (ctypes.c_int64 * 4)()
    slots = [ctypes.cast(result, ctypes.c_void_p)]
    slots += [ctypes.cast(d.words, ctypes.c_void_p) for d in descs]
    slots.append(ctypes.cast(status, ctypes.c_void_p))
    lib._moe_packed_experts((ctypes.c_void_p * len(slots))(*slots))
    out = None
    if result[1]:
        if status[0] == 0:
            rows, cols = result[3], result[4]
            buf = (ctypes.c_uint16 * (rows * cols)).from_address(
                result[1] + 2 * result[2])
            out = np.ctypeslib.as_array(buf).reshape(rows, cols).copy()
        libc.free(ctypes.c_void_p(result[0]))
    return list(status), out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lib", required=True)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--calls", type=int, default=40)
    args = parser.parse_args()
    lib = ctypes.CDLL(args.lib)
    libc = ctypes.CDLL(None)
    libc.free.argtypes = [ctypes.c_void_p]

    plans = []
    for i in range(args.threads):
        tokens = 96 + 37 * i
        bad = i % 2 == 1
        plans.append((tokens, bad, inputs(tokens, tokens - 1 if bad else
                                          tokens, seed=i)))
    # What one thread alone gets, before any concurrency.
    expected = [call(lib, libc, p[2]) for p in plans]

    failures = [[] for _ in plans]
    start = threading.Barrier(args.threads)

    def worker(i):
        tokens, bad, data = plans[i]
        start.wait()
        for n in range(args.calls):
            status, out = call(lib, libc, data)
            if bad:
                ok = status[0] > 0 and status[1:3] == [tokens, tokens - 1]
            else:
                ok = status[0] == 0 and out is not None and \
                    np.array_equal(out, expected[i][1])
            if not ok:
                failures[i].append(f"call {n}: status {status}")

    threads = [threading.Thread(target=worker, args=(i,))
               for i in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    passed = 0
    for i, (tokens, bad, _) in enumerate(plans):
        single = expected[i][0]
        kind = "mismatched ids" if bad else "valid"
        # The single-threaded calls must already be right.
        if (single[0] > 0) != bad:
            failures[i].insert(0, f"single-threaded status {single}")
        if failures[i]:
            print(f"thread {i} (T={tokens}, {kind}): FAILED "
                  f"{len(failures[i])} of {args.calls}: {failures[i][0]}")
        else:
            passed += 1
            print(f"thread {i} (T={tokens}, {kind}): {args.calls} calls ok")
    print(f"{passed} passed, {len(plans) - passed} failed")


if __name__ == "__main__":
    main()
