"""Checks quant_gpu.mlir's moe.quantize entries on a GPU against
quant_reference.py, code for code and scale for scale (the kernel applies
moe.quantize's rules in f32, as the CPU reference does): groups of 128 and
of 32 (mx), a whole row (per_row), all-zero groups, and groups holding an
infinity or NaN (NaN scales there, the other groups unaffected)."""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "CPU"))
import quant_reference as qr  # noqa: E402
import reference  # noqa: E402
from harness import Harness  # noqa: E402

h = Harness()
rng = np.random.default_rng(11)


def spread(shape):
    """Normal values times per-row magnitudes over 2^-20 .. 2^12."""
    x = rng.standard_normal(shape)
    return x * 2.0 ** rng.integers(-20, 12, size=shape[:-1] + (1,))


def check(entry, x, scheme, in_dtype):
    x = reference.round_to(x, in_dtype)
    q, s = h.run(entry, [x])
    want_q, want_s = qr.quantize(x, scheme, "f8E4M3FN")
    label = f"{entry} {scheme} {list(x.shape)}"
    h.exact(f"{label}: codes", np.asarray(q).view(np.uint8),
            np.asarray(want_q).view(np.uint8))
    h.exact(f"{label}: scales", np.asarray(s), np.asarray(want_s))


for tokens in (1, 5, 300):
    x = spread((tokens, 384))
    x[0, 128:256] = 0  # an all-zero group
    check("quantize_groups", x, ("block", 1, 128), "bf16")
    x = spread((tokens, 64))
    x[-1, 32:64] = 0
    check("quantize_mxfp8", x, ("mx",), "bf16")
    check("quantize_rows", spread((tokens, 200)), ("per_row",), "f16")

x = spread((2, 384))
x[0, 5], x[1, 300] = np.inf, np.nan
x = reference.round_to(x, "bf16")
q, s = h.run("quantize_groups", [x])
want_q, want_s = qr.quantize(x, ("block", 1, 128), "f8E4M3FN")
h.exact("quantize_groups with inf and NaN groups: NaN scales where expected",
        np.isnan(s), np.isnan(want_s))
finite = ~np.isnan(want_s)
h.exact("quantize_groups with inf and NaN groups: the other scales",
        s[finite], want_s[finite])
keep = np.repeat(finite, 128, axis=1)
h.exact("quantize_groups with inf and NaN groups: the other codes",
        np.asarray(q).view(np.uint8)[keep],
        np.asarray(want_q).view(np.uint8)[keep])
h.finish()
