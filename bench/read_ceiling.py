"""What a pure read stream reaches on this GPU: the bandwidth ceiling of a
memory-bound MoE layer, which reads its weights and writes little.

Each kernel reads a set of bf16 buffers (rotated, together larger than the
L2) and writes one value per program, in a CUDA graph. Three readers: a
Triton kernel of 16-byte loads at several block sizes (the best is the
ceiling), torch.sum, and a device-to-device copy (read + write, for
comparison with bench/results/h200/decode-ceilings). Sizes span decode
(tens of MB) to a whole layer's weights (GB).

Usage (on the GPU machine): python3 bench/read_ceiling.py [--out FILE.json]
"""
import argparse
import json

import torch
import triton
import triton.language as tl

DATASHEET_TBS = 4.8


@triton.jit
def read_kernel(x_ptr, out_ptr, n, BLOCK: tl.constexpr, ITERS: tl.constexpr):
    pid = tl.program_id(0)
    base = pid * BLOCK * ITERS
    acc = tl.zeros([BLOCK], dtype=tl.float32)
    for i in range(ITERS):
        offs = base + i * BLOCK + tl.arange(0, BLOCK)
        acc += tl.load(x_ptr + offs, mask=offs < n, other=0.0).to(tl.float32)
    tl.store(out_ptr + pid, tl.sum(acc))


def graph_time_us(fn, reps):
    """Best of 10 replays of a graph of `reps` calls, per call."""
    stream = torch.cuda.Stream()
    with torch.cuda.stream(stream):
        for _ in range(3):
            fn()
    torch.cuda.synchronize()
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        for _ in range(reps):
            fn()
    graph.replay()
    torch.cuda.synchronize()
    start = torch.cuda.Event(enable_timing=True)
    end = torch.cuda.Event(enable_timing=True)
    best = float("inf")
    for _ in range(10):
        start.record()
        graph.replay()
        end.record()
        torch.cuda.synchronize()
        best = min(best, start.elapsed_time(end) * 1000 / reps)
    return best


def measure(mb):
    """TB/s of each reader over buffers of `mb` MB, rotated past the L2."""
    n = int(mb * 1e6 / 2)
    nbuf = max(2, int(400 // mb) + 1)
    bufs = [torch.randn(n, device="cuda").bfloat16() for _ in range(nbuf)]
    rows = {}
    for block, iters, warps in [(1024, 8, 4), (2048, 8, 8), (4096, 4, 8),
                                (8192, 4, 16), (2048, 32, 8)]:
        programs = triton.cdiv(n, block * iters)
        out = torch.empty(programs, device="cuda", dtype=torch.float32)

        def read():
            for x in bufs:
                read_kernel[(programs,)](x, out, n, BLOCK=block, ITERS=iters,
                                         num_warps=warps)

        t = graph_time_us(read, 2) / nbuf
        rows[f"triton {block}x{iters} w{warps}"] = mb / t
    rows["torch.sum"] = mb / (graph_time_us(
        lambda: [x.sum(dtype=torch.float32) for x in bufs], 2) / nbuf)
    dst = torch.empty_like(bufs[0])
    rows["copy (read+write)"] = 2 * mb / (graph_time_us(
        lambda: [dst.copy_(x) for x in bufs], 2) / nbuf)
    del bufs, dst
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="write the numbers as JSON here")
    args = parser.parse_args()
    print(f"# {torch.cuda.get_device_name()}: TB/s per reader and size "
          f"(datasheet {DATASHEET_TBS} TB/s)")
    result = {}
    for mb in [16, 64, 256, 1024, 4096]:
        rows = measure(mb)
        result[mb] = rows
        best = max(v for k, v in rows.items() if k.startswith("triton"))
        print(f"{mb:5d} MB: best Triton read {best:.2f} TB/s "
              f"({100 * best / DATASHEET_TBS:.1f} % of datasheet); " +
              ", ".join(f"{k} {v:.2f}" for k, v in rows.items()), flush=True)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
