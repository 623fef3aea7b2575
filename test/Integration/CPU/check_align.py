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
    rows = [rng.permutation(experts)[:k] for _ in range(tokens)]
    return (np.stack(rows) if rows else np.zeros((0, k))).astype(np.int32)


for tokens in (0, 1, 5, 16, 40):
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
# Up to 1024 routes in one workgroup: several rows of 32 routes per
# segment, a last row cut short, routes crowded onto a few experts (a row
# with many routes of one expert), more experts than threads.
case("random T=200", "align16", distinct_topk(200, 4, 8), 8, 16)
crowded = distinct_topk(199, 4, 8)
crowded[::3] = np.arange(4, dtype=np.int32)
case("crowded T=199", "align16", crowded, 8, 16)
case("one workgroup, 160 experts", "align_wide", distinct_topk(101, 8, 160),
     160, 32)
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


def bad_ids(name, entry, ids, bad, bound, begin=None, chunked=False):
    """Ids with bad[(t, j)] = v outside the checked range: an error that
    names the count, the first bad id and its token (computed here)."""
    ids = ids.copy()
    for (t, j), v in bad.items():
        ids[t, j] = v
    flat = ids.reshape(-1).astype(np.int64)
    outside = (flat < 0) if bound is None else (flat < 0) | (flat >= bound)
    where = np.nonzero(outside)[0]
    noun = "id" if len(where) == 1 else "ids"
    what = (f"negative route {noun}" if bound is None
            else f"route {noun} outside [0, {bound})")
    want = (f": {len(where)} {what}, first {flat[where[0]]} at token "
            f"{where[0] // ids.shape[1]}")
    inputs = [ids] + ([np.array(begin, dtype=np.int64)] if begin is not None
                      else [])
    h.fails_with(name, entry, inputs, want)


bad_ids("id E", "align16", distinct_topk(5, 4, 8), {(3, 2): 8}, 8)
bad_ids("ids -1, INT_MIN, INT_MAX", "align16", distinct_topk(5, 4, 8),
        {(0, 3): -1, (2, 0): np.iinfo(np.int32).min,
         (4, 1): np.iinfo(np.int32).max}, 8)
bad_ids("chunked, ids past E", "align16", distinct_topk(700, 4, 8),
        {(650, 0): 1000, (699, 3): 8}, 8)
# A range without total_experts: other ranks' ids are dropped, only
# negative ones are errors; with total_experts, ids past it are errors too.
bad_ids("EP range, id -3", "align_range", distinct_topk(7, 2, 8),
        {(6, 1): -3}, None, begin=4)
case("EP range of 16 experts [12, 16)", "align_range_total",
     distinct_topk(9, 2, 16), 4, 16, 12)
bad_ids("EP range of 16 experts, id 16", "align_range_total",
        distinct_topk(9, 2, 16), {(5, 0): 16}, 16, begin=4)
bad_ids("chunked EP range of 16 experts, id -1", "align_range_total",
        distinct_topk(800, 2, 16), {(790, 1): -1}, 16, begin=0)
h.finish()
