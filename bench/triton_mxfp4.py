"""The Triton baseline of MXFP4 expert layers (a16w4): bench/triton_moe.py's
sorted-routes grouped GEMM with fp4 weights packed two per byte along K (low
nibble first, [E, N, K/2] uint8) and E8M0 scales per 32 k ([E, N, K/32]
uint8), dequantized to bf16 in registers after the load and multiplied by
bf16 activations with tl.dot, as weight-only fp4 runs on GPUs without fp4
MMAs (sm_90). Alignment, activation and the sum over k as in triton_moe.
"""

import torch
import triton
import triton.language as tl

from triton_moe import CONFIGS  # noqa: F401  (the same tile sweep)


@triton.jit
def _grouped_gemm_mxfp4(a, b, scales, c, route_w, sorted_ids, block_expert,
                        n_padded, N, K, EM, n_routes, stride_am, stride_be,
                        stride_bn, stride_se, stride_sn, stride_cm,
                        top_k: tl.constexpr, MUL_WEIGHT: tl.constexpr,
                        BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr,
                        BLOCK_K: tl.constexpr, GROUP_M: tl.constexpr):
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
    expert = tl.load(block_expert + pid_m)
    cols = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
    ks = tl.arange(0, BLOCK_K)
    kb = tl.arange(0, BLOCK_K // 2)
    kg = tl.arange(0, BLOCK_K // 32)
    a_ptrs = a + (route // top_k)[:, None] * stride_am + ks[None, :]
    b_ptrs = b + expert * stride_be + cols[:, None] * stride_bn + kb[None, :]
    s_ptrs = scales + expert * stride_se + cols[:, None] * stride_sn + \
        kg[None, :]
    acc = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
    for k in range(0, tl.cdiv(K, BLOCK_K)):
        k_left = K - k * BLOCK_K
        x = tl.load(a_ptrs, mask=valid[:, None] & (ks[None, :] < k_left),
                    other=0.0)
        in_n = cols[:, None] < N
        packed = tl.load(b_ptrs, mask=in_n & (2 * kb[None, :] < k_left),
                         other=0).to(tl.int16)
        # E8M0 code 127 is 1.0: masked groups stay finite.
        s = tl.load(s_ptrs, mask=in_n & (32 * kg[None, :] < k_left),
                    other=127).to(tl.int32)
        codes = tl.interleave(packed & 0xF, packed >> 4)
        # E2M1 in the f16 fields is its value times 2^-14.
        bits = ((codes & 8) << 12) | ((codes & 7) << 9)
        half = bits.to(tl.float16, bitcast=True).to(tl.float32)
        scale = (s << 23).to(tl.float32, bitcast=True) * 16384.0
        w = tl.reshape(half, (BLOCK_N, BLOCK_K // 32, 32)) * scale[:, :, None]
        w = tl.reshape(w, (BLOCK_N, BLOCK_K)).to(tl.bfloat16)
        acc += tl.dot(x, tl.trans(w))
        a_ptrs += BLOCK_K
        b_ptrs += BLOCK_K // 2
        s_ptrs += BLOCK_K // 32
    if MUL_WEIGHT:
        acc *= tl.load(route_w + route, mask=valid, other=0.0)[:, None]
    out = c + route[:, None] * stride_cm + cols[None, :]
    tl.store(out, acc.to(c.dtype.element_ty),
             mask=valid[:, None] & (cols[None, :] < N))


def _gemm(a, w, s, out, route_w, aligned, config, top_k, mul_weight):
    sorted_ids, block_expert, n_padded = aligned
    em, n, k = sorted_ids.numel(), w.shape[1], 2 * w.shape[2]
    bm, bn, bk, group, warps, stages = config
    grid = (triton.cdiv(em, bm) * triton.cdiv(n, bn),)
    _grouped_gemm_mxfp4[grid](
        a, w, s, out, route_w, sorted_ids, block_expert, n_padded, n, k, em,
        out.shape[0], a.stride(0), w.stride(0), w.stride(1), s.stride(0),
        s.stride(1), out.stride(0), top_k=top_k, MUL_WEIGHT=mul_weight,
        BLOCK_M=bm, BLOCK_N=bn, BLOCK_K=bk, GROUP_M=group, num_warps=warps,
        num_stages=stages)


def fused_experts(x, w1, s1, w2, s2, weights, ids, activation, aligned,
                  config):
    """The a16w4 layer: w1 [E, 2I, H/2] and w2 [E, H, I/2] packed fp4 with
    s1 [E, 2I, H/32] and s2 [E, H, I/32] E8M0 scales; `aligned` =
    triton_moe.align(ids, E, config[0])."""
    t, k = ids.shape
    inter = 2 * w2.shape[2]
    h1 = torch.empty((t * k, 2 * inter), dtype=x.dtype, device=x.device)
    _gemm(x, w1, s1, h1, weights, aligned, config, k, False)
    act = activation(h1)
    h2 = torch.empty((t * k, x.shape[1]), dtype=x.dtype, device=x.device)
    _gemm(act, w2, s2, h2, weights.reshape(-1), aligned, config, 1, True)
    return h2.view(t, k, -1).sum(1, dtype=torch.float32).to(x.dtype)
