"""Checks the tm_tensor entries of tm_tensor.mlir against numpy."""

import numpy as np

from harness import Harness, rand

h = Harness()
rng = np.random.default_rng(17)

# aten.topk through sort (oge) + slices: the 4 largest and their positions.
for tokens in (1, 6):
    x = rng.standard_normal((tokens, 16)).astype(np.float32)
    order = np.argsort(-x, axis=1, kind="stable")[:, :4]
    vals, ids = h.run("topk_as_sort", [x])
    h.exact(f"topk as sort, values, T={tokens}", vals,
            np.take_along_axis(x, order, axis=1))
    h.exact(f"topk as sort, indices, T={tokens}", ids, order)

# A strict descending sort along dim 0 is stable: ties (values drawn from
# few levels) keep the order of their ids.
x = rng.integers(0, 4, size=(12, 3)).astype(np.float32)
ids = np.tile(np.arange(12, dtype=np.int32)[:, None], (1, 3))
order = np.argsort(-x, axis=0, kind="stable")
vals, got_ids = h.run("sort_stable", [x, ids])
h.exact("stable sort with ties, values", vals,
        np.take_along_axis(x, order, axis=0))
h.exact("stable sort with ties, ids", got_ids, order.astype(np.int32))

# tm_tensor.topk into outs of -inf (values) and 0 (indices).
for tokens in (1, 4):
    x = rng.standard_normal((tokens, 20)).astype(np.float32)
    v0 = np.full((tokens, 5), -np.inf, np.float32)
    i0 = np.zeros((tokens, 5), np.int64)
    order = np.argsort(-x, axis=1, kind="stable")[:, :5]
    vals, got_ids = h.run("topk", [x, v0, i0])
    h.exact(f"topk, values, T={tokens}", vals,
            np.take_along_axis(x, order, axis=1))
    h.exact(f"topk, indices, T={tokens}", got_ids, order)
# The outs' initial values take part: an initial 0.5 stays when it beats
# the inputs.
x = np.linspace(-1, 0.4, 20, dtype=np.float32)[None, :]
v0 = np.array([[0.5, 0.45, -np.inf, -np.inf, -np.inf]], np.float32)
i0 = np.array([[100, 101, 0, 0, 0]], np.int64)
vals, got_ids = h.run("topk", [x, v0, i0])
h.exact("topk keeps better initial outs, values", vals,
        np.array([[0.5, 0.45, x[0, 19], x[0, 18], x[0, 17]]], np.float32))
h.exact("topk keeps better initial outs, indices", got_ids,
        np.array([[100, 101, 19, 18, 17]], np.int64))

# scatter_add of rows, repeated indices included.
orig = rng.standard_normal((6, 4)).astype(np.float32)
upd = rng.standard_normal((9, 4)).astype(np.float32)
idx = rng.integers(0, 6, size=(9, 1)).astype(np.int64)
want = orig.astype(np.float64).copy()
np.add.at(want, idx[:, 0], upd)
(got,) = h.run("scatter_rows", [orig, upd, idx])
h.close("scatter_add of rows", got, want, "f32")

# index_put accumulate of single bf16 elements (rounded at each add, in
# update order, as the region does).
orig = rand(rng, (5, 7), "bf16")
upd = rand(rng, (11,), "bf16")
idx = np.stack([rng.integers(0, 5, 11), rng.integers(0, 7, 11)],
               axis=1).astype(np.int32)
want = orig.astype(np.float64).copy()
np.add.at(want, (idx[:, 0], idx[:, 1]), upd)
(got,) = h.run("scatter_elements", [orig, upd, idx])
h.close("scatter_add of bf16 elements", got, want, "bf16")

orig = np.arange(8, dtype=np.int32)
(got,) = h.run("scatter_replace", [orig, np.array([70, 20, 50], np.int32),
                                   np.array([[7], [2], [5]], np.int32)])
h.exact("replacing scatter", got,
        np.array([0, 1, 20, 3, 4, 50, 6, 70], np.int32))

# Index tuples outside outs: skipped and reported (how many, the first bad
# index and its update).
h.fails_with("scatter index outside outs", "scatter_rows",
             [orig.astype(np.float32)[:6, None].repeat(4, 1),
              np.ones((4, 4), np.float32),
              np.array([[1], [6], [-1], [2]], np.int64)],
             "run-time check failed: tm_tensor.scatter at ")
h.fails_with("scatter index outside outs, message", "scatter_rows",
             [np.zeros((6, 4), np.float32), np.ones((4, 4), np.float32),
              np.array([[1], [6], [-1], [2]], np.int64)],
             "2 index tuples outside outs, first 6 at update 1")
h.finish()
