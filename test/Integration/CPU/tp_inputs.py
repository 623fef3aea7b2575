"""Inputs of tp1_block and of its tensor-parallel copies (tp2_block on two
GPUs, tp4_block on four MPI ranks): each rank holds one part of the
attention output's partial sum and a 1/ranks slice of every expert's
intermediate columns (gate and up rows of w1, columns of w2)."""

import numpy as np

from harness import rand

HIDDEN, INTER, EXPERTS = 64, 16, 8


def tp_block_inputs(rng, tokens, ranks):
    """(the TP1 inputs, each rank's inputs). TP1 sees the ranks' summed
    attention output (moe-run rounds it once to bf16, as the all_reduce
    does) and every weight."""
    parts = [rand(rng, (tokens, HIDDEN), "bf16") for _ in range(ranks)]
    residual = rand(rng, (tokens, HIDDEN), "bf16")
    norm1 = rand(rng, (HIDDEN,), "bf16", 0.1)
    norm2 = rand(rng, (HIDDEN,), "bf16", 0.1)
    router_w = rand(rng, (HIDDEN, EXPERTS), "bf16", 0.3)
    w1 = rand(rng, (EXPERTS, 2 * INTER, HIDDEN), "bf16", HIDDEN ** -0.5)
    w2 = rand(rng, (EXPERTS, HIDDEN, INTER), "bf16", INTER ** -0.5)
    attn = np.sum([p.astype(np.float64) for p in parts], axis=0)
    whole = [attn, residual, norm1, norm2, router_w, w1, w2]
    part = INTER // ranks
    per_rank = []
    for r in range(ranks):
        cols = slice(r * part, (r + 1) * part)
        w1_r = np.concatenate([w1[:, cols], w1[:, INTER:][:, cols]], axis=1)
        per_rank.append([parts[r], residual, norm1, norm2, router_w, w1_r,
                         w2[:, :, cols]])
    return whole, per_rank
