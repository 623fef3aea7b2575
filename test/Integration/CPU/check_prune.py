"""Sums the per-rank outputs of the pruned mixtral_like layer (prune.test)."""

import numpy as np

from harness import Harness, rand

h = Harness()
pruned_lib = h.extra[h.extra.index("--pruned-lib") + 1]
rng = np.random.default_rng(23)
ranks, experts = 4, 8
local = experts // ranks

for tokens in (1, 5, 12):
    x = rand(rng, (tokens, 32), "bf16")
    router_w = rand(rng, (32, 8), "bf16", 0.3)
    w1 = rand(rng, (8, 96, 32), "bf16", 32 ** -0.5)
    w2 = rand(rng, (8, 32, 48), "bf16", 48 ** -0.5)
    (want,) = h.run("mixtral_like", [x, router_w, w1, w2])
    total = np.zeros(want.shape)
    for r in range(ranks):
        part = slice(r * local, (r + 1) * local)
        (partial,) = h.run("mixtral_like",
                           [x, router_w, w1[part], w2[part],
                            np.array(r, dtype=np.int64)], lib=pruned_lib)
        total += partial
    h.close(f"sum of {ranks} pruned ranks == unpruned, T={tokens}", total,
            want, "bf16")
# A rank outside [0, ep-size) owns no expert: an error, not zeros.
x = rand(rng, (3, 32), "bf16")
router_w = rand(rng, (32, 8), "bf16", 0.3)
w1 = rand(rng, (local, 96, 32), "bf16", 32 ** -0.5)
w2 = rand(rng, (local, 32, 48), "bf16", 48 ** -0.5)
for bad in (ranks, 17):
    h.fails_with(f"rank {bad} of {ranks}", "mixtral_like",
                 [x, router_w, w1, w2, np.array(bad, dtype=np.int64)],
                 f"the rank argument (moe.ep_rank) must be in [0, {ranks}): "
                 f"expected {ranks - 1}, found {bad}", lib=pruned_lib)
h.finish()
