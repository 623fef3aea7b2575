"""Checks the warpgroup-MMA GEMMs of grouped_matmul_warpgroup.mlir against
reference.grouped_matmul (sm_90 only: their plans name wgmma)."""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "CPU"))
import gemm_check  # noqa: E402
from harness import rand  # noqa: E402

h, rng, routing, case = gemm_check.session(11)

for tokens in (1, 300):
    case(f"gemm1 split, 2 column warpgroups, 120 columns T={tokens}",
         "gemm1_split_two_column_groups", rand(rng, (tokens, 256), "bf16"),
         rand(rng, (8, 240, 256), "bf16", 0.1), 2, 64, "tokens",
         routing(tokens, 2, 8, 64), "bf16", act=("silu_mul", "split"))
case("gemm1 interleaved f16, K 96 (64-byte swizzle), 2 row warpgroups",
     "gemm1_interleaved_f16_k96", rand(rng, (300, 96), "f16"),
     rand(rng, (4, 64, 96), "f16", 0.1), 1, 128, "tokens",
     routing(300, 1, 4, 128), "f16",
     act=("swiglu_oai", "interleaved", 1.702, 1.0, 7.0))
case("gemm2 weighted, 2 row tiles per warpgroup, 4 stages, 200 columns",
     "gemm2_weighted_two_row_tiles", rand(rng, (500, 128), "bf16"),
     rand(rng, (8, 200, 128), "bf16", 0.1), 2, 128, "routes",
     routing(250, 2, 8, 128), "bf16",
     weights=rng.random((250, 2)).astype(np.float32))
case("gemm2 N 256 per MMA", "gemm2_n256", rand(rng, (400, 192), "bf16"),
     rand(rng, (4, 512, 192), "bf16", 0.1), 2, 64, "routes",
     routing(200, 2, 4, 64), "bf16")
h.finish()
