"""What a contiguous-row GEMV reaches on the decode MoE GEMMs (Triton proxy):
8 routed experts of E, each [N, K] bf16, one token, weights past the L2."""
import torch, triton, triton.language as tl

@triton.jit
def gemv(x_ptr, w_ptr, ids_ptr, out_ptr, N, K: tl.constexpr, BN: tl.constexpr, BK: tl.constexpr):
    r = tl.program_id(0)
    nb = tl.program_id(1)
    e = tl.load(ids_ptr + r).to(tl.int64)
    rows = nb * BN + tl.arange(0, BN)
    acc = tl.zeros((BN, BK), dtype=tl.float32)
    for k0 in range(0, K, BK):
        ks = k0 + tl.arange(0, BK)
        w = tl.load(w_ptr + e * N * K + rows[:, None] * K + ks[None, :])
        x = tl.load(x_ptr + ks)
        acc += w.to(tl.float32) * x[None, :].to(tl.float32)
    tl.store(out_ptr + r * N + rows, tl.sum(acc, 1).to(tl.bfloat16))

def graph_time(fn, reps):
    s = torch.cuda.Stream()
    with torch.cuda.stream(s):
        fn(0); fn(1)
    torch.cuda.synchronize()
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        for i in range(reps):
            fn(i)
    g.replay(); torch.cuda.synchronize()
    a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    best = 1e9
    for _ in range(10):
        a.record(); g.replay(); b.record(); torch.cuda.synchronize()
        best = min(best, a.elapsed_time(b) * 1000 / reps)
    return best

for name, E, N, K in [("qwen gemm1", 128, 768, 4096), ("qwen gemm2", 128, 4096, 384),
                      ("deepseek gemm1", 256, 512, 7168), ("deepseek gemm2", 256, 7168, 256)]:
    w = torch.randn(E, N, K, device="cuda").bfloat16()
    x = torch.randn(K, device="cuda").bfloat16()
    idsets = [torch.randperm(E, device="cuda")[:8].int() for _ in range(16)]
    out = torch.empty(8, N, device="cuda", dtype=torch.bfloat16)
    mb = 8 * N * K * 2 / 1e6
    res = []
    for BN in [1, 2, 4, 8, 16]:
        for BK in [256, 512, 1024]:
            if BK > K or N % BN or K % BK: continue
            for nw in [1, 2, 4]:
                def fn(i, BN=BN, BK=BK, nw=nw):
                    gemv[(8, N // BN)](x, w, idsets[i % 16], out, N, K, BN, BK, num_warps=nw)
                try:
                    t = graph_time(fn, 16)
                except Exception as ex:
                    continue
                res.append((t, BN, BK, nw))
    res.sort()
    print(name, f"{mb:.1f} MB; best:", ", ".join(f"{t:.1f} us ({mb / t:.2f} TB/s) BN={bn} BK={bk} w={nw}" for t, bn, bk, nw in res[:4]))
    del w
