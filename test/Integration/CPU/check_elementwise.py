"""Checks activation, combine, norm and single-rank collective entries."""

import numpy as np

import reference
from harness import Harness, rand

h = Harness()
rng = np.random.default_rng(13)

for tokens in (1, 6):
    x = rand(rng, (tokens, 64), "bf16", 3.0)
    (got,) = h.run("silu_split", [x])
    h.close(f"silu split T={tokens}", got, reference.round_to(
        reference.activation(x, "silu_mul"), "bf16"), "bf16")
x = rand(rng, (2, 3, 16), "f32", 2.0)
(got,) = h.run("gelu_interleaved", [x])
h.close("gelu interleaved rank 3", got,
        reference.activation(x, "gelu_mul", "interleaved"), "f32")
x = rand(rng, (7, 20), "f16", 3.0)  # crosses the limit 2.0 both ways
(got,) = h.run("swiglu_split", [x])
h.close("swiglu_oai split alpha 1.5 beta 0.5 limit 2", got, reference.round_to(
    reference.activation(x, "swiglu_oai", "split", 1.5, 0.5, 2.0), "f16"), "f16")

for tokens in (1, 3):
    routes = rand(rng, (tokens * 4, 32), "bf16")
    scale = rng.random((tokens, 4)).astype(np.float32)
    (got,) = h.run("combine", [routes, scale])
    h.close(f"combine T={tokens}", got, reference.round_to(
        reference.combine(routes, scale), "bf16"), "bf16")
    # Only experts [2, 5) are local: the other routes' rows hold NaN (never
    # written) and must not reach the sum; ids -1 and past E included.
    ids = rng.integers(-1, 8, size=(tokens, 4)).astype(np.int32)
    ids[0, :2] = (3, 7)
    local = (ids >= 2) & (ids < 5)
    rows = routes.copy()
    rows[~local.reshape(-1)] = np.nan
    (got,) = h.run("combine_local", [rows, scale, ids])
    h.close(f"combine of local routes T={tokens}", got, reference.round_to(
        reference.combine(routes, scale * local), "bf16"), "bf16")

x, w = rand(rng, (4, 64), "bf16", 2.0), rand(rng, (64,), "bf16", 0.1)
(got,) = h.run("rms_norm_gemma", [x, w])
h.close("rms_norm gemma offset 1", got, reference.round_to(
    reference.rms_norm(x, w, 1e-6, 1.0), "bf16"), "bf16")
x, w = rand(rng, (2, 3, 16), "f32"), rand(rng, (16,), "f32")
(got,) = h.run("rms_norm_rank3", [x, w])
h.close("rms_norm rank 3", got, reference.rms_norm(x, w, 1e-5), "f32")

x, r = rand(rng, (5, 64), "bf16"), rand(rng, (5, 64), "bf16")
w = rand(rng, (64,), "bf16")
total = reference.round_to(x.astype(np.float64) + r, "bf16")
normed, summed = h.run("add_rms_norm", [x, r, w])
h.close("add_rms_norm residual_out", summed, total, "bf16")
h.close("add_rms_norm normed", normed,
        reference.round_to(reference.rms_norm(total, w, 1e-6), "bf16"), "bf16")
normed, summed = h.run("fused_single_rank", [x, r, w])
h.close("all_reduce_add_rms_norm (1 rank) residual_out", summed, total, "bf16")
h.close("all_reduce_add_rms_norm (1 rank) normed", normed, reference.round_to(
    reference.rms_norm(total, w, 1e-6, 1.0), "bf16"), "bf16")

x = rand(rng, (4, 8), "f32")
counts = np.array([4], dtype=np.int32)
outs = h.run("collectives_single_rank", [x, counts])
for name, got in zip(("all_reduce", "all_gather", "reduce_scatter",
                      "all_to_all"), outs[:4]):
    h.exact(f"{name} over 1 rank is the identity", got, x)
h.exact("all_to_all over 1 rank receives its send counts", outs[4], counts)
h.finish()
