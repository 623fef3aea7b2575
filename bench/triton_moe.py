"""The Triton baseline: the standard sorted-routes fused-MoE grouped GEMM
(the design of vLLM's fused_moe, written here): routes sorted by expert and
padded to BLOCK_M, one program per (row block, column block), A rows
gathered through the sorted route ids, the expert's weights streamed,
routed weight in GEMM2's epilogue; the gated activation and the sum over k
are separate (torch) ops, as in vLLM. The alignment is computed with torch
ops outside the timed region (`align`), which favours this baseline.
"""

import torch
import triton
import triton.language as tl

# The usual tile configurations, small-M decode tiles through prefill tiles:
# (BLOCK_M, BLOCK_N, BLOCK_K, GROUP_M, num_warps, num_stages). The benchmark
# tries each (aligning the routes to its BLOCK_M) and keeps the fastest.
CONFIGS = [
    (16, 64, 128, 1, 4, 4), (16, 128, 128, 1, 4, 3), (32, 64, 64, 1, 4, 4),
    (64, 64, 64, 8, 4, 4), (64, 128, 64, 8, 4, 3), (128, 128, 64, 8, 8, 3),
]


@triton.jit
def _grouped_gemm(a, b, c, route_w, sorted_ids, block_expert, n_padded,
                  N, K, EM, n_routes, stride_am, stride_be, stride_bn,
                  stride_cm, top_k: tl.constexpr,
                  MUL_WEIGHT: tl.constexpr, BLOCK_M: tl.constexpr,
                  BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr,
                  GROUP_M: tl.constexpr):
    pid = tl.program_id(0)
    grid_m = tl.cdiv(EM, BLOCK_M)
    grid_n = tl.cdiv(N, BLOCK_N)
    group = pid // (GROUP_M * grid_n)
    first_m = group * GROUP_M
    size_m = min(grid_m - first_m, GROUP_M)
    pid_m = first_m + (pid % (GROUP_M * grid_n)) % size_m
    pid_n = (pid % (GROUP_M * grid_n)) // size_m
    if pid_m * BLOCK_M >= tl.load(n_padded):
        return
    rows = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)
    route = tl.load(sorted_ids + rows)
    valid = route < n_routes
    # Routes are aligned to BLOCK_M: one expert per program.
    expert = tl.load(block_expert + pid_m)
    cols = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
    ks = tl.arange(0, BLOCK_K)
    a_ptrs = a + (route // top_k)[:, None] * stride_am + ks[None, :]
    b_ptrs = b + expert * stride_be + cols[None, :] * stride_bn + ks[:, None]
    acc = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
    for k in range(0, tl.cdiv(K, BLOCK_K)):
        k_left = K - k * BLOCK_K
        x = tl.load(a_ptrs, mask=valid[:, None] & (ks[None, :] < k_left),
                    other=0.0)
        w = tl.load(b_ptrs, mask=(ks[:, None] < k_left) & (cols[None, :] < N),
                    other=0.0)
        acc += tl.dot(x, w)
        a_ptrs += BLOCK_K
        b_ptrs += BLOCK_K
    if MUL_WEIGHT:
        acc *= tl.load(route_w + route, mask=valid, other=0.0)[:, None]
    out = c + route[:, None] * stride_cm + cols[None, :]
    tl.store(out, acc.to(c.dtype.element_ty),
             mask=valid[:, None] & (cols[None, :] < N))


def align(ids, experts, block_m):
    """Routes sorted by expert (stable), each group padded to block_m with
    the sentinel T*k; per-block expert ids; padded count (torch ops)."""
    flat = ids.reshape(-1).to(torch.int64)
    routes = flat.numel()
    counts = torch.bincount(flat, minlength=experts)
    padded = (counts + block_m - 1) // block_m * block_m
    starts = torch.cumsum(padded, 0) - padded
    order = torch.argsort(flat, stable=True)
    rank = torch.arange(routes, device=ids.device) - \
        (torch.cumsum(counts, 0) - counts)[flat[order]]
    max_rows = routes + experts * (block_m - 1)
    max_rows = (max_rows + block_m - 1) // block_m * block_m
    sorted_ids = torch.full((max_rows,), routes, dtype=torch.int32,
                            device=ids.device)
    sorted_ids[starts[flat[order]] + rank] = order.to(torch.int32)
    block_expert = torch.full((max_rows // block_m,), -1, dtype=torch.int32,
                              device=ids.device)
    blocks = torch.repeat_interleave(torch.arange(experts, device=ids.device),
                                     padded // block_m)
    block_expert[:blocks.numel()] = blocks.to(torch.int32)
    n_padded = padded.sum().to(torch.int32).reshape(1)
    return sorted_ids, block_expert, n_padded


def _gemm(a, w, out, route_w, aligned, config, top_k, mul_weight):
    sorted_ids, block_expert, n_padded = aligned
    em, n, k = sorted_ids.numel(), w.shape[1], w.shape[2]
    bm, bn, bk, group, warps, stages = config
    grid = (triton.cdiv(em, bm) * triton.cdiv(n, bn),)
    _grouped_gemm[grid](a, w, out, route_w, sorted_ids, block_expert,
                        n_padded, n, k, em, out.shape[0], a.stride(0),
                        w.stride(0), w.stride(1), out.stride(0),
                        top_k=top_k, MUL_WEIGHT=mul_weight, BLOCK_M=bm,
                        BLOCK_N=bn, BLOCK_K=bk, GROUP_M=group,
                        num_warps=warps, num_stages=stages)


def fused_experts(x, w1, w2, weights, ids, activation, aligned, config):
    """y = sum_j w[t,j] * W2[e] act(W1[e] x[t]) with the kernels above;
    `aligned` = align(ids, E, config[0])."""
    t, k = ids.shape
    inter = w2.shape[2]
    h1 = torch.empty((t * k, 2 * inter), dtype=x.dtype, device=x.device)
    _gemm(x, w1, h1, weights, aligned, config, k, False)
    act = activation(h1)
    h2 = torch.empty((t * k, x.shape[1]), dtype=x.dtype, device=x.device)
    _gemm(act, w2, h2, weights.reshape(-1), aligned, config, 1, True)
    return h2.view(t, k, -1).sum(1, dtype=torch.float32).to(x.dtype)
