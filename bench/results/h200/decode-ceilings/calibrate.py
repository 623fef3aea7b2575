"""Bandwidth ceilings for decode-sized weight streams on this GPU: a D2D copy
and cuBLAS GEMV (one token) over weight buffers rotated past the L2."""
import torch

def graph_time(fn, reps=20):
    s = torch.cuda.Stream()
    with torch.cuda.stream(s):
        for _ in range(3):
            fn()
    torch.cuda.synchronize()
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        for _ in range(reps):
            fn()
    g.replay(); torch.cuda.synchronize()
    a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    best = 1e9
    for _ in range(10):
        a.record(); g.replay(); b.record(); torch.cuda.synchronize()
        best = min(best, a.elapsed_time(b) * 1000 / reps)
    return best

for name, rows, cols in [("qwen gemm1", 8 * 768, 4096), ("qwen gemm2", 8 * 4096, 384),
                          ("deepseek gemm1", 8 * 512, 7168), ("deepseek gemm2", 8 * 7168, 256)]:
    nbuf = 8
    ws = [torch.randn(rows, cols, device="cuda").bfloat16() for _ in range(nbuf)]
    x = torch.randn(1, cols, device="cuda").bfloat16()
    outs = [torch.empty(rows, cols, device="cuda", dtype=torch.bfloat16) for _ in range(2)]
    it = [0]
    def gemv():
        for w in ws:
            torch.nn.functional.linear(x, w)
    def copy():
        for w in ws[:4]:
            outs[0].copy_(w)
    mb = rows * cols * 2 / 1e6
    t = graph_time(gemv, 4) / nbuf
    c = graph_time(copy, 4) / 4
    print(f"{name}: {mb:.1f} MB  cuBLAS GEMV {t:.1f} us = {mb / t:.2f} TB/s;  copy {c:.1f} us = {2 * mb / c:.2f} TB/s (read+write)")
    del ws, outs
