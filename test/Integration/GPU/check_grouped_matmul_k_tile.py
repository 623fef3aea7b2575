"""Checks the 128-k shared-tile GEMMs of grouped_matmul_k_tile.mlir against
reference.grouped_matmul (sm_90 only: their plans name shared tiles)."""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "CPU"))
import gemm_check  # noqa: E402
from harness import rand  # noqa: E402

h, rng, routing, case = gemm_check.session(13)

case("gemm1 decode, silu_mul split, 60 columns, K 256 (2 k tiles)",
     "gemm1_decode", rand(rng, (5, 256), "bf16"),
     rand(rng, (8, 120, 256), "bf16", 0.1), 2, 16, "tokens",
     routing(5, 2, 8, 16), "bf16", act=("silu_mul", "split"))
for tokens in (7, 200):
    case(f"gemm2 weighted, 32-row blocks, 200 columns, K 384 (3 k tiles "
         f"over 3 stages) T={tokens}",
         "gemm2_weighted", rand(rng, (2 * tokens, 384), "bf16"),
         rand(rng, (8, 200, 384), "bf16", 0.1), 2, 32, "routes",
         routing(tokens, 2, 8, 32), "bf16",
         weights=rng.random((tokens, 2)).astype(np.float32))
case("gemm2 f16, one k tile under a 3-stage ring", "gemm2_one_k_tile_f16",
     rand(rng, (60, 128), "f16"), rand(rng, (4, 64, 128), "f16", 0.1), 2, 16,
     "routes", routing(30, 2, 4, 16), "f16")
# K that the 128-element k tile does not divide: the last tile half full.
case("gemm1 swiglu_oai interleaved, K 320 (2.5 k tiles)", "gemm1_k_tail",
     rand(rng, (9, 320), "bf16"), rand(rng, (8, 120, 320), "bf16", 0.1), 2,
     16, "tokens", routing(9, 2, 8, 16), "bf16",
     act=("swiglu_oai", "interleaved", 1.702, 1.0, 7.0))
case("gemm2 f16 weighted, K 192 (1.5 k tiles) under a 3-stage ring",
     "gemm2_k_tail_f16", rand(rng, (40, 192), "f16"),
     rand(rng, (4, 64, 192), "f16", 0.1), 2, 16, "routes",
     routing(20, 2, 4, 16), "f16",
     weights=rng.random((20, 2)).astype(np.float32))
h.finish()
