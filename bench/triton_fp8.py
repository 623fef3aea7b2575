"""The Triton baseline of DeepSeek-V3-style fp8 expert layers (a8w8 with
block scales), as vLLM's Triton fused_moe runs them: bench/triton_moe.py's
sorted-routes grouped GEMM with fp8 E4M3 weights ([E, N, K]) and f32 scales
per 128x128 block ([E, N/128, K/128]), activations quantized dynamically per
token group of 128 by a small Triton kernel (fp8 E4M3 codes, f32 scale
amax/448 per [row, K/128]), and tl.dot on the fp8 operands: each BLOCK_K =
128 step's f32 partial product is multiplied by the row's activation scale
and each column's weight scale of that k block before it is added to the
accumulator. GEMM1 -> activation (bf16) -> quantize -> GEMM2 (routed weight
in its epilogue) -> sum over k; alignment, activation and the sum over k as
in triton_moe.
"""

import torch
import triton
import triton.language as tl

from triton_moe import CONFIGS as _BF16_CONFIGS

# The quantization block: 128 k per activation scale, 128x128 per weight
# scale (DeepSeek-V3's checkpoint format).
GROUP = 128
FP8 = torch.float8_e4m3fn
FP8_MAX = 448.0

# triton_moe's tile sweep (BLOCK_M, BLOCK_N, GROUP_M, warps, stages) with
# BLOCK_K = 128: one k step per scale block, as vLLM clamps BLOCK_SIZE_K to
# the block shape.
CONFIGS = list(dict.fromkeys(
    (bm, bn, GROUP, group, warps, stages)
    for bm, bn, _, group, warps, stages in _BF16_CONFIGS))


@triton.jit
def _quantize_groups(x, q, s, n_groups, stride_xm, stride_qm, stride_sm,
                     GROUP_K: tl.constexpr, FP8_MAX: tl.constexpr):
    """One program per (row, group of GROUP_K): scale = max(amax, 1e-10) /
    FP8_MAX, codes = clamp(x / scale, +-FP8_MAX) as E4M3."""
    pid = tl.program_id(0)
    row = pid // n_groups
    g = pid % n_groups
    ks = g * GROUP_K + tl.arange(0, GROUP_K)
    v = tl.load(x + row * stride_xm + ks).to(tl.float32)
    amax = tl.max(tl.abs(v), axis=0)
    scale = tl.maximum(amax, 1e-10) / FP8_MAX
    v = tl.minimum(tl.maximum(v / scale, -FP8_MAX), FP8_MAX)
    tl.store(q + row * stride_qm + ks, v.to(q.dtype.element_ty))
    tl.store(s + row * stride_sm + g, scale)


def quantize_groups(x):
    """x [M, K] (K a multiple of 128) -> fp8 E4M3 codes [M, K] and f32
    scales [M, K/128], per token group of 128."""
    m, kk = x.shape
    assert kk % GROUP == 0 and x.stride(1) == 1
    q = torch.empty((m, kk), dtype=FP8, device=x.device)
    s = torch.empty((m, kk // GROUP), dtype=torch.float32, device=x.device)
    _quantize_groups[(m * (kk // GROUP),)](
        x, q, s, kk // GROUP, x.stride(0), q.stride(0), s.stride(0),
        GROUP_K=GROUP, FP8_MAX=FP8_MAX, num_warps=1, num_stages=1)
    return q, s


@triton.jit
def _grouped_gemm_fp8(a, a_scales, b, b_scales, c, route_w, sorted_ids,
                      block_expert, n_padded, N, K, EM, n_routes, stride_am,
                      stride_asm, stride_be, stride_bn, stride_bse,
                      stride_bsn, stride_cm, top_k: tl.constexpr,
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
    expert = tl.load(block_expert + pid_m).to(tl.int64)
    cols = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
    in_n = cols < N
    ks = tl.arange(0, BLOCK_K)
    tok = route // top_k
    a_ptrs = a + tok[:, None] * stride_am + ks[None, :]
    b_ptrs = b + expert * stride_be + cols[None, :] * stride_bn + ks[:, None]
    # BLOCK_K is the scale block (128): step k uses scale column k, the
    # row's activation scale and each column's 128-row weight block's.
    as_ptrs = a_scales + tok * stride_asm
    bs_ptrs = b_scales + expert * stride_bse + (cols // BLOCK_K) * stride_bsn
    acc = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
    for k in range(0, tl.cdiv(K, BLOCK_K)):
        k_left = K - k * BLOCK_K
        x = tl.load(a_ptrs, mask=valid[:, None] & (ks[None, :] < k_left),
                    other=0.0)
        w = tl.load(b_ptrs, mask=(ks[:, None] < k_left) & in_n[None, :],
                    other=0.0)
        x_scale = tl.load(as_ptrs + k, mask=valid, other=0.0)
        w_scale = tl.load(bs_ptrs + k, mask=in_n, other=0.0)
        acc += tl.dot(x, w) * x_scale[:, None] * w_scale[None, :]
        a_ptrs += BLOCK_K
        b_ptrs += BLOCK_K
    if MUL_WEIGHT:
        acc *= tl.load(route_w + route, mask=valid, other=0.0)[:, None]
    out = c + route[:, None] * stride_cm + cols[None, :]
    tl.store(out, acc.to(c.dtype.element_ty),
             mask=valid[:, None] & in_n[None, :])


def _gemm(a, a_s, w, w_s, out, route_w, aligned, config, top_k, mul_weight):
    sorted_ids, block_expert, n_padded = aligned
    n, k = w.shape[1], w.shape[2]
    bm, bn, bk, group, warps, stages = config
    assert bk == GROUP, "the a8w8 kernel takes one 128-k scale block a step"
    assert a_s.shape[1] == triton.cdiv(k, GROUP) and \
        w_s.shape[1:] == (triton.cdiv(n, GROUP), triton.cdiv(k, GROUP))
    # At most one padded block of BLOCK_M per route (vLLM trims the grid so
    # for small batches): the blocks past it are all past n_padded.
    em = min(sorted_ids.numel(), out.shape[0] * bm)
    grid = (triton.cdiv(em, bm) * triton.cdiv(n, bn),)
    _grouped_gemm_fp8[grid](
        a, a_s, w, w_s, out, route_w, sorted_ids, block_expert, n_padded, n,
        k, em, out.shape[0], a.stride(0), a_s.stride(0), w.stride(0),
        w.stride(1), w_s.stride(0), w_s.stride(1), out.stride(0),
        top_k=top_k, MUL_WEIGHT=mul_weight, BLOCK_M=bm, BLOCK_N=bn,
        BLOCK_K=bk, GROUP_M=group, num_warps=warps, num_stages=stages)


def _fp8(w):
    return w.view(FP8) if w.dtype == torch.uint8 else w


def fused_experts(x, w1, s1, w2, s2, weights, ids, activation, aligned,
                  config):
    """The a8w8 layer: w1 [E, 2I, H] and w2 [E, H, I] fp8 E4M3 codes
    (torch.float8_e4m3fn, or uint8 viewed as it) with s1 [E, 2I/128, H/128]
    and s2 [E, H/128, I/128] f32 block scales; x and the activation rows
    quantized per token group of 128 here; `aligned` =
    triton_moe.align(ids, E, config[0]); config from CONFIGS."""
    t, k = ids.shape
    w1, w2 = _fp8(w1), _fp8(w2)
    inter = w2.shape[2]
    xq, xs = quantize_groups(x)
    h1 = torch.empty((t * k, 2 * inter), dtype=x.dtype, device=x.device)
    _gemm(xq, xs, w1, s1, h1, weights, aligned, config, k, False)
    aq, a_s = quantize_groups(activation(h1))
    h2 = torch.empty((t * k, x.shape[1]), dtype=x.dtype, device=x.device)
    _gemm(aq, a_s, w2, s2, h2, weights.reshape(-1), aligned, config, 1, True)
    return h2.view(t, k, -1).sum(1, dtype=torch.float32).to(x.dtype)
