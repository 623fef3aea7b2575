"""Independent numpy reference of the moe ops (DESIGN.md section 5).

Written from the op semantics, not from the compiler's lowering: it uses
numpy's sorting, matrix products and reductions, in float64 unless the
semantics require f32 (router scores, which decide the top-k selection).
"""

import numpy as np


def round_to(x, dtype):
    """Rounds to bf16/f16/f32 (round to nearest even), returned as float32."""
    x = np.asarray(x, dtype=np.float32)
    if dtype == "f32":
        return x
    if dtype == "f16":
        return x.astype(np.float16).astype(np.float32)
    assert dtype == "bf16"
    bits = x.view(np.uint32).astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) << 16
    out = rounded.astype(np.uint32).view(np.float32)
    return np.where(np.isnan(x), np.float32(np.nan), out)


def gate(logits, top_k, scoring, bias=None, renormalize=False, n_group=None,
         topk_group=None, scaling=1.0):
    """Router: returns (weights [T,k] f32, ids [T,k] int32)."""
    l = np.asarray(logits, dtype=np.float32)
    if scoring == "softmax":
        e = np.exp(l - l.max(axis=1, keepdims=True))
        s = e / e.sum(axis=1, keepdims=True)
    else:
        s = np.float32(1) / (np.float32(1) + np.exp(-l))
    s = s.astype(np.float32)
    b = s + bias.astype(np.float32) if bias is not None else s.copy()
    # A NaN selection score ranks as -inf (moe.gate's docs).
    b = np.where(np.isnan(b), np.float32(-np.inf), b)
    tokens, experts = b.shape
    if n_group:
        per = experts // n_group
        groups = b.reshape(tokens, n_group, per)
        top2 = np.sort(groups, axis=2)[:, :, -2:]
        score = top2[:, :, 1] + top2[:, :, 0]
        keep = np.argsort(-score, axis=1, kind="stable")[:, :topk_group]
        mask = np.zeros((tokens, n_group), dtype=bool)
        mask[np.arange(tokens)[:, None], keep] = True
        # The other groups' experts are never selected (NaN sorts last).
        b = np.where(np.repeat(mask, per, axis=1), b, np.nan)
    ids = np.argsort(-b, axis=1, kind="stable")[:, :top_k]
    weights = np.take_along_axis(s, ids, axis=1).astype(np.float64)
    if renormalize:
        weights = weights / weights.sum(axis=1, keepdims=True)
    weights = weights * scaling
    return weights.astype(np.float32), ids.astype(np.int32)


def align(ids, num_experts, block_m, expert_begin=0):
    """moe_align_block_size: (sorted route ids, block expert ids, count)."""
    ids = np.asarray(ids).reshape(-1)
    routes = ids.size
    r_max = -(-(routes + num_experts * (block_m - 1)) // block_m) * block_m
    local = ids - expert_begin
    sorted_ids = np.full(r_max, routes, dtype=np.int32)
    blocks = np.full(r_max // block_m, -1, dtype=np.int32)
    pos = 0
    for e in range(num_experts):
        mine = np.nonzero(local == e)[0]
        sorted_ids[pos:pos + mine.size] = mine
        padded = -(-mine.size // block_m) * block_m
        blocks[pos // block_m:(pos + padded) // block_m] = e
        pos += padded
    return sorted_ids, blocks, np.array(pos, dtype=np.int32)


def gate_up(h, layout):
    """Splits the last dim of h into (gate, up) halves."""
    inter = h.shape[-1] // 2
    if layout == "interleaved":
        return h[..., 0::2], h[..., 1::2]
    return h[..., :inter], h[..., inter:]


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def activation(h, kind, layout="split", alpha=1.702, beta=1.0, limit=7.0):
    """Gated activation of [..., 2I] -> [..., I] in float64."""
    g, u = gate_up(np.asarray(h, dtype=np.float64), layout)
    if kind == "silu_mul":
        return g * sigmoid(g) * u
    if kind == "gelu_mul":
        from math import erf
        verf = np.vectorize(erf)
        return 0.5 * g * (1.0 + verf(g / np.sqrt(2.0))) * u
    assert kind == "swiglu_oai"
    g = np.minimum(g, limit)
    u = np.clip(u, -limit, limit)
    return (u + beta) * g * sigmoid(alpha * g)


def route_order(ids, experts):
    """The blocks of route order (block_m 1): route r is block r, its expert
    ids[r // k, r % k], or -1 outside [0, experts)."""
    flat = np.asarray(ids, dtype=np.int64).reshape(-1)
    blocks = np.where((flat >= 0) & (flat < experts), flat, -1)
    return np.arange(flat.size), blocks, flat.size


def grouped_matmul(a, w, sorted_ids, blocks, count, rows, top_k, block_m,
                   weights=None, act=None, bias=None):
    """Grouped GEMM over aligned blocks; act = (kind, layout) or None; bias
    [E, N] is added to each row before the weight and the activation."""
    a = np.asarray(a, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    routes = a.shape[0] * top_k if rows == "tokens" else a.shape[0]
    cols = w.shape[1] // 2 if act else w.shape[1]
    out = np.zeros((routes, cols))
    for b in range(int(count) // block_m):
        e = blocks[b]
        if e < 0:
            continue
        for r in sorted_ids[b * block_m:(b + 1) * block_m]:
            if r >= routes:
                continue
            row = r // top_k if rows == "tokens" else r
            v = w[e] @ a[row]
            if bias is not None:
                v = v + np.asarray(bias[e], dtype=np.float64)
            if weights is not None:
                v = v * weights[r // top_k, r % top_k]
            out[r] = activation(v, *act) if act else v
    return out


def combine(routes, scale):
    t, k = scale.shape
    r = np.asarray(routes, dtype=np.float64).reshape(t, k, -1)
    return np.einsum("tk,tkh->th", scale.astype(np.float64), r)


def rms_norm(x, w, eps, offset=0.0):
    x = np.asarray(x, dtype=np.float64)
    inv = 1.0 / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps)
    return x * inv * (np.asarray(w, dtype=np.float64) + offset)


def experts(x, w1, w2, weights, ids, act, b1=None, b2=None):
    """y[t] = sum_j w[t,j] * (W2[e] act(W1[e] x[t] + b1[e]) + b2[e]), the
    biases when given; act = (kind, layout, ...)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.zeros((x.shape[0], w2.shape[1]))
    for t in range(x.shape[0]):
        for j in range(ids.shape[1]):
            e = ids[t, j]
            h = np.asarray(w1[e], dtype=np.float64) @ x[t]
            if b1 is not None:
                h = h + np.asarray(b1[e], dtype=np.float64)
            d = np.asarray(w2[e], dtype=np.float64) @ activation(h, *act)
            if b2 is not None:
                d = d + np.asarray(b2[e], dtype=np.float64)
            y[t] += weights[t, j] * d
    return y


def qwen3_moe_fixture(x, norm_w, router_w, gate_up, down):
    """test/Frontends/qwen3_moe.mlir (H=64, E=8, k=2) in float64 from its
    bf16 inputs, with the model's two roundings to bf16 (the normalized rows,
    the router logits): RMSNorm (eps 1e-6), softmax top-2 renormalized,
    silu experts."""
    n = round_to(rms_norm(x, norm_w, 1e-6), "bf16")
    logits = round_to(n.astype(np.float64) @
                      np.asarray(router_w, dtype=np.float64).T, "bf16")
    weights, ids = gate(logits, 2, "softmax", renormalize=True)
    return experts(n, gate_up, down, weights, ids, ("silu_mul", "split"))


def gpt_oss_moe_fixture(x, router_w, router_b, gate_up, gate_up_b, down,
                        down_b):
    """test/Frontends/gpt_oss_moe.mlir (H=64, I=48, E=16, k=4) in float64
    from its bf16 inputs, with the model's roundings to bf16 (the logits
    before and after the router bias, the routing weights): top-4 of the
    logits then softmax over them, SwiGLU-OAI experts on interleaved
    gate/up rows with both biases; gate_up_proj [E, H, 2I] and down_proj
    [E, I, H] are Hugging Face's transposed layouts."""
    logits = round_to(np.asarray(x, dtype=np.float64) @
                      np.asarray(router_w, dtype=np.float64).T, "bf16")
    logits = round_to(logits.astype(np.float64) + router_b, "bf16")
    weights, ids = gate(logits, 4, "softmax", renormalize=True)
    weights = round_to(weights, "bf16")
    w1 = np.transpose(np.asarray(gate_up), (0, 2, 1))
    w2 = np.transpose(np.asarray(down), (0, 2, 1))
    return experts(x, w1, w2, weights, ids,
                   ("swiglu_oai", "interleaved", 1.702, 1.0, 7.0), gate_up_b,
                   down_b)
