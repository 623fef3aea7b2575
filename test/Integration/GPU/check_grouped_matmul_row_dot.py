"""Checks the row-dot GEMMs of grouped_matmul_row_dot.mlir against
reference.grouped_matmul: one token (one route per expert) and blocks full
of routes (several passes of a workgroup over its block)."""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "CPU"))
import gemm_check  # noqa: E402
from harness import rand  # noqa: E402

h, rng, routing, case = gemm_check.session(12)

for tokens in (1, 300):
    case(f"gemm1 split, K 2048, 4 runs at once, T={tokens}",
         "gemm1_split_k2048", rand(rng, (tokens, 2048), "bf16"),
         rand(rng, (8, 96, 2048), "bf16", 0.05), 2, 16, "tokens",
         routing(tokens, 2, 8, 16), "bf16", act=("silu_mul", "split"))
case("gemm1 interleaved f16, K 200 (masked lanes), 2 routes per pass",
     "gemm1_interleaved_f16_k200", rand(rng, (40, 200), "f16"),
     rand(rng, (4, 64, 200), "f16", 0.1), 1, 16, "tokens",
     routing(40, 1, 4, 16), "f16",
     act=("swiglu_oai", "interleaved", 1.702, 1.0, 7.0))
for tokens in (1, 50):
    case(f"gemm2 weighted, K 384, 8 columns per wave, T={tokens}",
         "gemm2_weighted_k384", rand(rng, (2 * tokens, 384), "bf16"),
         rand(rng, (8, 200, 384), "bf16", 0.1), 2, 16, "routes",
         routing(tokens, 2, 8, 16), "bf16",
         weights=rng.random((tokens, 2)).astype(np.float32))
case("gemm2, 4 routes per pass, block_m 32", "gemm2_row_group4",
     rand(rng, (140, 256), "bf16"), rand(rng, (4, 64, 256), "bf16", 0.1), 2,
     32, "routes", routing(70, 2, 4, 32), "bf16")
for tokens in (1, 3):
    ids = np.stack([rng.permutation(32)[:8] for _ in range(tokens)])
    case(f"gemm2 summed routes, 8 x K 384, T={tokens}", "gemm2_summed_k384",
         rand(rng, (8 * tokens, 384), "bf16"),
         rand(rng, (32, 200, 384), "bf16", 0.1), 8, 1, "routes",
         ids.astype(np.int32), "bf16",
         weights=rng.random((tokens, 8)).astype(np.float32), summed=True)
case("gemm2 summed routes, 3 x K 200 f16", "gemm2_summed_k200_f16",
     rand(rng, (6, 200), "f16"), rand(rng, (6, 40, 200), "f16", 0.1), 3, 1,
     "routes", np.array([[0, 4, 3], [2, 5, 1]], np.int32), "f16", summed=True)
# Ids outside the experts are reported as moe.align reports them.
ids = np.array([[0, 7, 3], [2, 6, 1]], np.int32)
h.fails_with("gemm2 summed routes report ids 7 and 6", "gemm2_summed_k200_f16",
             [rand(rng, (6, 200), "f16"), rand(rng, (6, 40, 200), "f16"), ids],
             "2 route ids outside [0, 6), first 7 at token 0")
# A row's runs split over slices of waves (their sums meet in LDS).
for tokens in (1, 40):
    case(f"gemm1 K 2048 over 2 slices, T={tokens}", "gemm1_split_k2048_slices",
         rand(rng, (tokens, 2048), "bf16"),
         rand(rng, (8, 96, 2048), "bf16", 0.05), 2, 16, "tokens",
         routing(tokens, 2, 8, 16), "bf16", act=("silu_mul", "split"))
    ids = np.stack([rng.permutation(32)[:8] for _ in range(tokens)])
    case(f"gemm2 summed routes over 2 slices, T={tokens}",
         "gemm2_summed_k384_slices", rand(rng, (8 * tokens, 384), "bf16"),
         rand(rng, (32, 200, 384), "bf16", 0.1), 8, 1, "routes",
         ids.astype(np.int32), "bf16",
         weights=rng.random((tokens, 8)).astype(np.float32), summed=True)
h.finish()
