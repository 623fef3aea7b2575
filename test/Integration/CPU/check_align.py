"""Checks the moe.align entries of align.mlir against reference.align."""

import numpy as np

import reference
from harness import Harness

h = Harness()
rng = np.random.default_rng(11)


def case(name, entry, ids, experts, block_m, begin=None):
    want = reference.align(ids, experts, block_m, begin or 0)
    inputs = [ids] + ([np.array(begin, dtype=np.int64)] if begin is not None
                      else [])
    got = h.run(entry, inputs)
    for what, g, w in zip(("sorted", "blocks", "count"), got, want):
        h.exact(f"{name} {what}", g, w)


def distinct_topk(tokens, k, experts):
    return np.stack([rng.permutation(experts)[:k] for _ in range(tokens)]
                    ).astype(np.int32)


for tokens in (1, 5, 16, 40):
    case(f"random T={tokens}", "align16", distinct_topk(tokens, 4, 8), 8, 16)
case("one expert per slot",
     "align16", np.tile(np.arange(4, dtype=np.int32), (9, 1)), 8, 16)
case("experts 0-3 get nothing", "align16",
     distinct_topk(6, 4, 4) + 4, 8, 16)
case("vllm example", "align_vllm",
     np.array([[2, 3, 4], [1, 2, 4], [1, 3, 4], [1, 2, 3]], dtype=np.int32),
     5, 16)
case("block_m 64 > routes", "align_big_block",
     np.array([[0, 3], [3, 1]], dtype=np.int32), 4, 64)
for begin in (0, 4):
    case(f"EP range [{begin}, {begin + 4})", "align_range",
         distinct_topk(7, 2, 8), 4, 16, begin)
# More than 1024 routes: the chunked path on GPU targets (1024 routes per
# workgroup; the last chunk partial).
for tokens in (257, 1000):
    case(f"chunked T={tokens}", "align16", distinct_topk(tokens, 4, 8), 8,
         16)
case("chunked, one expert per slot", "align16",
     np.tile(np.arange(4, dtype=np.int32), (600, 1)), 8, 16)
case("chunked EP range [4, 8)", "align_range", distinct_topk(700, 2, 8), 4,
     16, 4)
case("chunked, 160 experts", "align_wide", distinct_topk(300, 8, 160), 160,
     32)
h.finish()
