"""Checks whole MoE layers (layers.mlir) against compositions of the reference.

The router logits are rounded as the program rounds them (f32 matmul of bf16
operands); the intermediate bf16 tensors of the program (the normed input, the
shared expert's products) are rounded the same way here.

--tokens T1,T2,... checks every layer at those token counts instead of each
layer's own (the GPU test of one library with token buckets uses it).
"""

import argparse

import numpy as np

import reference
from harness import Harness, rand

h = Harness()
rng = np.random.default_rng(17)
option = argparse.ArgumentParser()
option.add_argument("--tokens", default="")
TOKENS = tuple(int(t) for t in option.parse_args(h.extra).tokens.split(",")
               if t)


def token_counts(default):
    return TOKENS or default


bf = lambda v: reference.round_to(v, "bf16")


def logits_of(x, router_w):
    return (x.astype(np.float64) @ router_w.astype(np.float64)).astype(np.float32)


for tokens in token_counts((1, 6)):
    x = rand(rng, (tokens, 64), "bf16")
    # 1 + a bf16 value needs more bits than bf16 has: rounded, as moe-run
    # reads it (unrounded, the reference's normed input was off by up to
    # 8e-4 and swapped near-tied experts at T = 64, 300 and 1500).
    norm_w = bf(rand(rng, (64,), "bf16", 0.2) + 1)
    router_w = rand(rng, (64, 16), "bf16", 0.3)
    w1 = rand(rng, (16, 64, 64), "bf16", 64 ** -0.5)
    w2 = rand(rng, (16, 64, 32), "bf16", 32 ** -0.5)
    hn = bf(reference.rms_norm(x, norm_w, 1e-5))
    w, ids = reference.gate(logits_of(hn, router_w), 4, "softmax",
                            renormalize=True)
    y = bf(reference.experts(hn, w1, w2, w, ids,
                             ("swiglu_oai", "interleaved", 1.702, 1.0, 7.0)))
    want = bf(x.astype(np.float64) + y)
    (got,) = h.run("gpt_oss_like", [x, norm_w, router_w, w1, w2])
    h.close(f"gpt-oss-like layer T={tokens}", got, want, "bf16")

for tokens in token_counts((1, 5)):
    x = rand(rng, (tokens, 64), "bf16")
    router_w = rand(rng, (64, 16), "bf16", 0.3)
    bias = rand(rng, (16,), "f32", 0.1)
    w1 = rand(rng, (16, 32, 64), "bf16", 64 ** -0.5)
    w2 = rand(rng, (16, 64, 16), "bf16", 16 ** -0.5)
    sw1 = rand(rng, (64, 32), "bf16", 64 ** -0.5)
    sw2 = rand(rng, (16, 64), "bf16", 16 ** -0.5)
    w, ids = reference.gate(logits_of(x, router_w), 4, "sigmoid", bias=bias,
                            renormalize=True, n_group=4, topk_group=2,
                            scaling=2.5)
    routed = bf(reference.experts(x, w1, w2, w, ids, ("silu_mul", "split")))
    gate_up = bf(x.astype(np.float64) @ sw1)
    act = bf(reference.activation(gate_up, "silu_mul"))
    shared = bf(act.astype(np.float64) @ sw2)
    want = bf(routed.astype(np.float64) + shared)
    (got,) = h.run("deepseek_like", [x, router_w, bias, w1, w2, sw1, sw2])
    h.close(f"deepseek-like layer T={tokens}", got, want, "bf16")

for tokens in token_counts((0, 1, 3, 8)):
    x = rand(rng, (tokens, 32), "bf16")
    router_w = rand(rng, (32, 8), "bf16", 0.3)
    w1 = rand(rng, (8, 96, 32), "bf16", 32 ** -0.5)
    w2 = rand(rng, (8, 32, 48), "bf16", 48 ** -0.5)
    w, ids = reference.gate(logits_of(x, router_w), 2, "softmax",
                            renormalize=True)
    want = bf(reference.experts(x, w1, w2, w, ids, ("silu_mul", "split")))
    (got,) = h.run("mixtral_like", [x, router_w, w1, w2])
    h.close(f"mixtral-like layer T={tokens}", got, want, "bf16")
h.finish()
