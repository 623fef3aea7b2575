"""TP2 from Python on two GPUs: two processes join group "tp" through
moe_mlir.GPULibrary (collective_id on rank 0, join_group on both) and call
sum_f32 of tp2_block.mlir on torch tensors; both get the sum. Prints
"N passed, M failed" like the other checks; SKIP with fewer than 2 GPUs.

    check_tp_python.py --lib tp2_block.sm_90.so --backend-lib libmoe_runtime_cuda.so
"""

import argparse
import os
import sys

RANKS = 2
HERE = os.path.dirname(os.path.abspath(__file__))


def rank_main(rank, lib_path, backend, ids, results):
    os.environ["MOE_CUDA_DEVICE"] = str(rank)
    sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "python"))
    import torch
    from moe_mlir import GPULibrary
    torch.cuda.set_device(rank)
    lib = GPULibrary(lib_path, backend)
    if rank == 0:
        group_id = lib.collective_id()
        for _ in range(RANKS - 1):
            ids.put(group_id)
    else:
        group_id = ids.get(timeout=120)
    lib.join_group("tp", rank, RANKS, group_id)
    gen = torch.Generator().manual_seed(7)
    xs = [torch.randn(5, 24, generator=gen) for _ in range(RANKS)]
    (got,) = lib.call("sum_f32", xs[rank].cuda())
    # An f32 sum of two values is one correctly rounded addition.
    want = (xs[0] + xs[1]).double()
    err = (got.cpu().double() - want).abs().max().item()
    results.put((rank, err))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lib", required=True)
    parser.add_argument("--backend-lib", required=True)
    args = parser.parse_args()
    import torch
    import torch.multiprocessing as mp
    if torch.cuda.device_count() < RANKS:
        print(f"SKIP Python TP{RANKS}: needs {RANKS} GPUs, found "
              f"{torch.cuda.device_count()}")
        print("0 passed, 0 failed")
        return 0
    ctx = mp.get_context("spawn")
    ids, queue = ctx.Queue(), ctx.Queue()
    procs = [ctx.Process(target=rank_main,
                         args=(r, os.path.abspath(args.lib),
                               os.path.abspath(args.backend_lib), ids, queue))
             for r in range(RANKS)]
    for p in procs:
        p.start()
    results = {}
    try:
        while len(results) < RANKS:
            rank, err = queue.get(timeout=300)
            results[rank] = err
    except Exception as e:  # a rank died or hung: its result is missing
        print(f"waiting for the ranks: {type(e).__name__} {e}")
    for p in procs:
        p.join(60)
        if p.is_alive():
            p.kill()
    passed = failed = 0
    for r in range(RANKS):
        err = results.get(r)
        ok = err is not None and err == 0.0
        passed += ok
        failed += not ok
        print(f"{'PASS' if ok else 'FAIL'} Python TP{RANKS} f32 all_reduce, "
              f"rank {r}: max abs err {err}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
