"""Checks moe.grouped_matmul entries against reference.grouped_matmul."""

import numpy as np

import gemm_check
from harness import Harness, rand

h = Harness()
rng = np.random.default_rng(3)


def routing(tokens, k, experts, block_m, begin=0, local=None):
    return gemm_check.routing(rng, tokens, k, experts, block_m, begin, local)


def case(*args, **kwargs):
    gemm_check.check(h, *args, **kwargs)


for tokens in (1, 9):
    _, r = routing(tokens, 2, 8, 16)
    case(f"gemm1 silu T={tokens}", "gemm1_silu", rand(rng, (tokens, 32), "bf16"),
         rand(rng, (8, 48, 32), "bf16", 0.2), 2, 16, "tokens", r, "bf16",
         act=("silu_mul", "split"))
_, r = routing(5, 3, 4, 16)
case("gemm1 swiglu_oai interleaved weighted", "gemm1_swiglu_weighted",
     rand(rng, (5, 32), "bf16"), rand(rng, (4, 32, 32), "bf16", 0.3), 3, 16,
     "tokens", r, "bf16", weights=rng.random((5, 3)).astype(np.float32),
     act=("swiglu_oai", "interleaved", 1.702, 1.0, 7.0))
_, r = routing(6, 2, 8, 16)
case("gemm2 routes weighted", "gemm2_weighted", rand(rng, (12, 24), "bf16"),
     rand(rng, (8, 32, 24), "bf16", 0.2), 2, 16, "routes", r, "bf16",
     weights=rng.random((6, 2)).astype(np.float32))
# Expert-parallel slice: only experts [4, 8) are local; other routes stay 0.
ids, r = routing(6, 2, 8, 16, begin=4, local=4)
w_local = rand(rng, (8, 32, 24), "bf16", 0.2)
w_local[4:] = 0  # the entry takes 8 experts; blocks only name local ids 0-3
case("gemm2 pruned routes are zero", "gemm2_weighted",
     rand(rng, (12, 24), "bf16"), w_local, 2, 16, "routes", r, "bf16",
     weights=rng.random((6, 2)).astype(np.float32))
_, r = routing(4, 2, 4, 32)
case("gemm f16 block_m 32", "gemm_f16_block32", rand(rng, (4, 16), "f16"),
     rand(rng, (4, 8, 16), "f16", 0.3), 2, 32, "tokens", r, "f16")
for tokens in (1, 7):
    _, r = routing(tokens, 2, 8, 16)
    case(f"gemm1 narrow tile, K split over waves T={tokens}",
         "gemm1_narrow_sliced_k", rand(rng, (tokens, 128), "bf16"),
         rand(rng, (8, 64, 128), "bf16", 0.1), 2, 16, "tokens", r, "bf16",
         act=("silu_mul", "split"))
for tokens in (1, 200):
    _, r = routing(tokens, 2, 8, 64)
    case(f"gemm1 prefill block_m 64, 120 columns T={tokens}",
         "gemm1_prefill_split", rand(rng, (tokens, 256), "bf16"),
         rand(rng, (8, 240, 256), "bf16", 0.1), 2, 64, "tokens", r, "bf16",
         act=("silu_mul", "split"))
_, r = routing(150, 2, 8, 32)
case("gemm2 prefill block_m 32, 200 columns, weighted",
     "gemm2_prefill_weighted", rand(rng, (300, 128), "bf16"),
     rand(rng, (8, 200, 128), "bf16", 0.1), 2, 32, "routes", r, "bf16",
     weights=rng.random((150, 2)).astype(np.float32))
_, r = routing(300, 1, 4, 128)
case("gemm1 prefill block_m 128, K 96, interleaved f16",
     "gemm1_prefill_interleaved_f16", rand(rng, (300, 96), "f16"),
     rand(rng, (4, 64, 96), "f16", 0.1), 1, 128, "tokens", r, "f16",
     act=("swiglu_oai", "interleaved", 1.702, 1.0, 7.0))
# Route order: each route its own block, the entry reads the ids.
for tokens in (1, 3):
    ids, _ = routing(tokens, 2, 8, 16)
    case(f"route order gemm1 silu T={tokens}", "route_gemm1_silu",
         rand(rng, (tokens, 32), "bf16"), rand(rng, (8, 48, 32), "bf16", 0.2),
         2, 1, "tokens", ids, "bf16", act=("silu_mul", "split"))
    case(f"route order gemm2 weighted T={tokens}", "route_gemm2_weighted",
         rand(rng, (2 * tokens, 24), "bf16"), rand(rng, (8, 32, 24), "bf16", 0.2),
         2, 1, "routes", ids, "bf16",
         weights=rng.random((tokens, 2)).astype(np.float32))
# Route order summing each token's routes: [T, N], rounded once.
for tokens in (1, 5):
    ids, _ = routing(tokens, 2, 8, 16)
    case(f"route order gemm2 summed T={tokens}", "route_gemm2_summed",
         rand(rng, (2 * tokens, 24), "bf16"), rand(rng, (8, 32, 24), "bf16", 0.2),
         2, 1, "routes", ids, "bf16",
         weights=rng.random((tokens, 2)).astype(np.float32), summed=True)
ids, _ = routing(4, 3, 6, 16)
case("route order gemm2 summed, no weights, f16",
     "route_gemm2_summed_unweighted_f16", rand(rng, (12, 40), "f16"),
     rand(rng, (6, 24, 40), "f16", 0.2), 3, 1, "routes", ids, "f16",
     summed=True)
# Expert biases [E, N], added before the weight and the activation.
_, r = routing(5, 3, 4, 16)
case("gemm1 swiglu_oai weighted with bias", "gemm1_swiglu_weighted_bias",
     rand(rng, (5, 32), "bf16"), rand(rng, (4, 32, 32), "bf16", 0.3), 3, 16,
     "tokens", r, "bf16", weights=rng.random((5, 3)).astype(np.float32),
     act=("swiglu_oai", "interleaved", 1.702, 1.0, 7.0),
     bias=rand(rng, (4, 32), "bf16"))
for tokens in (1, 5):
    ids, _ = routing(tokens, 2, 8, 16)
    case(f"route order gemm2 summed with f32 bias T={tokens}",
         "route_gemm2_summed_bias", rand(rng, (2 * tokens, 24), "bf16"),
         rand(rng, (8, 32, 24), "bf16", 0.2), 2, 1, "routes", ids, "bf16",
         weights=rng.random((tokens, 2)).astype(np.float32), summed=True,
         bias=rand(rng, (8, 32), "f32"))
# A route outside the experts is an error, reported as moe.align reports it.
x, w1 = rand(rng, (3, 32), "bf16"), rand(rng, (8, 48, 32), "bf16", 0.2)
for bad, want in ((9, "1 route id outside [0, 8), first 9 at token 1"),
                  (-1, "2 route ids outside [0, 8), first -1 at token 1")):
    ids = np.array([[0, 1], [bad, 2], [3, bad if bad < 0 else 4]], np.int32)
    h.fails_with(f"route order reports id {bad}", "route_gemm1_silu",
                 [x, w1, ids], want)
    h.fails_with(f"summed route order reports id {bad}", "route_gemm2_summed",
                 [rand(rng, (6, 24), "bf16"), rand(rng, (8, 32, 24), "bf16"),
                  ids, rng.random((3, 2)).astype(np.float32)], want)
h.finish()
