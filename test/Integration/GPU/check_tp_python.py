"""TP2 from Python: two processes join group "tp" through
moe_mlir.GPULibrary (collective_id on rank 0, join_group on both). On one GPU
both make peer workspaces (peer_workspace), hand each other the handles
through this script and open them (open_peers), then call one_shot_f32 of
tp2_block.mlir (the one-shot all_reduce + norm kernel) on torch tensors;
both must get the numpy result, with the same bits. On two GPUs they also
call sum_f32 (NCCL); both get the sum. Prints "N passed, M failed" like the
other checks; the two-GPU part prints SKIP with fewer than 2 GPUs.

    check_tp_python.py --lib tp2_block.sm_90.so --backend-lib libmoe_runtime_cuda.so
"""

import argparse
import os
import sys

RANKS = 2
HERE = os.path.dirname(os.path.abspath(__file__))


def joined_library(rank, device, lib_path, backend, ids):
    """The library on GPU `device`, joined to group "tp" as `rank` (rank 0
    makes the id and hands it to the others through `ids`)."""
    os.environ["MOE_CUDA_DEVICE"] = str(device)
    sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "python"))
    import torch
    from moe_mlir import GPULibrary
    torch.cuda.set_device(device)
    lib = GPULibrary(lib_path, backend)
    if rank == 0:
        group_id = lib.collective_id()
        for _ in range(RANKS - 1):
            ids.put(group_id)
    else:
        group_id = ids.get(timeout=120)
    lib.join_group("tp", rank, RANKS, group_id)
    return lib


def rank_main(rank, lib_path, backend, ids, results):
    import torch
    lib = joined_library(rank, rank, lib_path, backend, ids)
    gen = torch.Generator().manual_seed(7)
    xs = [torch.randn(5, 24, generator=gen) for _ in range(RANKS)]
    (got,) = lib.call("sum_f32", xs[rank].cuda())
    # An f32 sum of two values is one correctly rounded addition.
    want = (xs[0] + xs[1]).double()
    err = (got.cpu().double() - want).abs().max().item()
    results.put((rank, err))


def rank_one_shot(rank, lib_path, backend, ids, handles, opened, results):
    """Rank `rank` on GPU 0: the one-shot kernel over peer workspaces."""
    import torch
    lib = joined_library(rank, 0, lib_path, backend, ids)
    handles.put((rank, lib.peer_workspace("tp", 1 << 20, 1024)))
    lib.open_peers("tp", opened.get(timeout=120))
    gen = torch.Generator().manual_seed(11)
    xs = [torch.randn(9, 24, generator=gen) for _ in range(RANKS)]
    res = torch.randn(9, 24, generator=gen)
    w = torch.randn(24, generator=gen)
    normed, res_out = lib.call("one_shot_f32", xs[rank].cuda(), res.cuda(),
                               w.cuda())
    results.put((rank, normed.cpu().numpy(), res_out.cpu().numpy()))


def collect(procs, queue, before=None):
    """The ranks' results from `queue` (one tuple each, rank first), after
    `before()`; then waits for the processes (killing any left). A rank that
    died or hung has no result."""
    results = []
    try:
        if before:
            before()
        while len(results) < RANKS:
            results.append(queue.get(timeout=300))
    except Exception as e:  # a rank died or hung: its result is missing
        print(f"waiting for the ranks: {type(e).__name__} {e}")
    for p in procs:
        p.join(60)
        if p.is_alive():
            p.kill()
    return results


def check_one_shot(args, ctx):
    """Both ranks on GPU 0; (passed, failed)."""
    import numpy as np
    ids, handles, queue = ctx.Queue(), ctx.Queue(), ctx.Queue()
    opened = [ctx.Queue() for _ in range(RANKS)]
    procs = [ctx.Process(target=rank_one_shot,
                         args=(r, os.path.abspath(args.lib),
                               os.path.abspath(args.backend_lib), ids,
                               handles, opened[r], queue))
             for r in range(RANKS)]
    for p in procs:
        p.start()

    def hand_out_handles():
        got = dict(handles.get(timeout=120) for _ in range(RANKS))
        for q in opened:
            q.put([got[r] for r in range(RANKS)])

    results = {rank: (normed, res_out) for rank, normed, res_out
               in collect(procs, queue, before=hand_out_handles)}
    import torch
    gen = torch.Generator().manual_seed(11)
    xs = [torch.randn(9, 24, generator=gen).numpy() for _ in range(RANKS)]
    res = torch.randn(9, 24, generator=gen).numpy()
    w = torch.randn(24, generator=gen).numpy().astype(np.float64)
    # f32: the sum of two values and the residual add round once each.
    s = (xs[0] + xs[1]).astype(np.float32)
    r_out = (s + res).astype(np.float32).astype(np.float64)
    want = r_out / np.sqrt(np.mean(r_out * r_out, axis=-1, keepdims=True)
                           + 1e-6) * w
    passed = failed = 0
    for r in range(RANKS):
        got = results.get(r)
        ok = (got is not None and np.array_equal(got[1], r_out)
              and np.allclose(got[0], want, rtol=1e-5, atol=1e-5)
              and np.array_equal(got[0], results[0][0]))
        passed += ok
        failed += not ok
        err = (None if got is None else
               float(np.abs(got[0] - want).max()))
        print(f"{'PASS' if ok else 'FAIL'} Python one-shot all_reduce + norm "
              f"(peer_workspace, open_peers), both ranks on GPU 0, rank {r}: "
              f"max abs err {err}")
    return passed, failed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lib", required=True)
    parser.add_argument("--backend-lib", required=True)
    args = parser.parse_args()
    import torch
    import torch.multiprocessing as mp
    ctx = mp.get_context("spawn")
    one_shot_passed, one_shot_failed = check_one_shot(args, ctx)
    if torch.cuda.device_count() < RANKS:
        print(f"SKIP Python TP{RANKS}: needs {RANKS} GPUs, found "
              f"{torch.cuda.device_count()}")
        print(f"{one_shot_passed} passed, {one_shot_failed} failed")
        return 1 if one_shot_failed else 0
    ids, queue = ctx.Queue(), ctx.Queue()
    procs = [ctx.Process(target=rank_main,
                         args=(r, os.path.abspath(args.lib),
                               os.path.abspath(args.backend_lib), ids, queue))
             for r in range(RANKS)]
    for p in procs:
        p.start()
    results = dict(collect(procs, queue))
    passed, failed = one_shot_passed, one_shot_failed
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
