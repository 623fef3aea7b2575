"""The grouped-GEMM check of check_grouped_matmul.py (CPU and GPU) and
check_grouped_matmul_warpgroup.py (sm_90): random routings and one entry's
output against reference.grouped_matmul."""

import numpy as np

import reference
from harness import Harness


def routing(rng, tokens, k, experts, block_m, begin=0, local=None):
    """Random top-k ids [tokens, k] and reference.align's blocks of them."""
    ids = np.stack([rng.permutation(experts)[:k] for _ in range(tokens)])
    ids = ids.astype(np.int32)
    return ids, reference.align(ids, local or experts, block_m, begin)


def check(h, name, entry, a, w, k, block_m, rows, routing_, dtype,
          weights=None, act=None, summed=False, bias=None):
    """Runs `entry` on (a, w, the aligned routes[, weights]) with harness `h`
    and compares its output with the reference, rounded to `dtype`. With
    block_m 1, routing_ is the route ids [T, k] of a route-order entry;
    `summed` (sum_routes): the output is each token's k routes summed in
    f32, rounded once; `bias` ([E, N]) is the entry's last input."""
    if block_m == 1:
        s, b, c = reference.route_order(routing_, w.shape[0])
        routing_inputs = [routing_]
    else:
        s, b, c = routing_
        routing_inputs = [s, b, c]
    routes = reference.grouped_matmul(a, w, s, b, c, rows, k, block_m,
                                      weights, act, bias)
    if summed:
        routes = routes.reshape(-1, k, routes.shape[1]).sum(axis=1)
    want = reference.round_to(routes, dtype)
    inputs = [a, w] + routing_inputs + ([weights] if weights is not None else [])
    inputs += [bias] if bias is not None else []
    (got,) = h.run(entry, inputs)
    h.close(name, got, want, dtype)


def session(seed):
    """A harness, a generator seeded with `seed`, and a script's two
    helpers: routing(tokens, k, experts, block_m) (the aligned routes of a
    random routing) and case(...) (check() with this harness)."""
    h = Harness()
    rng = np.random.default_rng(seed)

    def routing_(tokens, k, experts, block_m):
        return routing(rng, tokens, k, experts, block_m)[1]

    def case(*args, **kwargs):
        check(h, *args, **kwargs)

    return h, rng, routing_, case
