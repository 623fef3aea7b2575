"""Checks quant.mlir's entries against quant_reference.py, code for code."""

import numpy as np

import quant_reference as qr
import reference
from harness import Harness

h = Harness()
rng = np.random.default_rng(31)


def codes_equal(name, got, want, fmt):
    """Codes agree exactly (NaN codes too, their sign included)."""
    h.exact(name, np.asarray(got, np.uint8), np.asarray(want, np.uint8))


def conversion_inputs(fmt):
    """Every value, every midpoint (ties), one f32 ulp either side of each
    midpoint, the overflow edges, subnormal f32, signs, NaN and infinity."""
    width = 8 if fmt != "f4E2M1FN" else 4
    values = [v for v in qr.decode_all(np.arange(1 << (width - 1)), fmt)
              if not np.isnan(v)]
    values = np.unique(np.float32(values))
    top = values[-1]
    ulp = np.float32(2.0 ** (np.floor(np.log2(top)) - qr.FORMATS[fmt][1]))
    mids = (values[:-1] + values[1:]) / np.float32(2)
    edges = np.float32([top + ulp / 2, top + ulp, top * 4, 1e-30, 1e-45])
    near = np.concatenate([np.nextafter(mids, np.float32(0)),
                           np.nextafter(mids, np.float32(np.inf))])
    xs = np.concatenate([values, mids, near, edges,
                         rng.standard_normal(200).astype(np.float32) * top / 3])
    xs = np.concatenate([xs, np.float32([np.nan, np.inf])])
    return np.concatenate([xs, -xs]).astype(np.float32)


for entry, fmt in (("trunc_fn", "f8E4M3FN"), ("trunc_fnuz", "f8E4M3FNUZ"),
                   ("trunc_fp4", "f4E2M1FN")):
    xs = conversion_inputs(fmt)
    (got,) = h.run(entry, [xs])
    if fmt == "f4E2M1FN":
        got = qr.unpack_fp4(got)[: xs.size]
    codes_equal(f"arith.truncf f32 -> {fmt}, {xs.size} values", got,
                qr.encode(xs, fmt), fmt)

for entry, fmt, count in (("ext_fn", "f8E4M3FN", 256),
                          ("ext_fnuz", "f8E4M3FNUZ", 256),
                          ("ext_e8m0", "f8E8M0FNU", 256),
                          ("ext_fp4", "f4E2M1FN", 16)):
    codes = np.arange(count, dtype=np.uint8)
    arg = qr.pack_fp4(codes) if fmt == "f4E2M1FN" else codes
    (got,) = h.run(entry, [arg])
    want = np.float32(qr.decode_all(codes, fmt))
    nan = np.isnan(want)
    h.exact(f"arith.extf {fmt} -> f32, all {count} codes: NaN codes",
            np.isnan(got), nan)
    h.exact(f"arith.extf {fmt} -> f32, all {count} codes: values",
            np.where(nan, 0, got).view(np.uint32),
            np.where(nan, 0, want).astype(np.float32).view(np.uint32))


def check_quantize(entry, x, scheme, fmt, in_dtype):
    x = reference.round_to(x, in_dtype)
    q, s = h.run(entry, [x])
    want_q, want_s = qr.quantize(x, scheme, fmt)
    if fmt == "f4E2M1FN":
        q = qr.unpack_fp4(q)
    label = f"{entry} {scheme} {fmt} {list(x.shape)}"
    codes_equal(f"{label}: values", q, want_q, fmt)
    h.exact(f"{label}: scales", s, want_s)


def spread(shape, scale=1.0):
    """Normal values times per-row magnitudes over 2^-20 .. 2^12."""
    x = rng.standard_normal(shape)
    return x * 2.0 ** rng.integers(-20, 12, size=shape[:-1] + (1,)) * scale


for tokens in (1, 5):
    x = spread((tokens, 384))
    x[0, 128:256] = 0  # an all-zero group
    check_quantize("quantize_groups", x, ("block", 1, 128), "f8E4M3FN", "bf16")
    check_quantize("quantize_rows_fnuz", spread((tokens, 64)), ("per_row",),
                   "f8E4M3FNUZ", "f16")
    x = spread((tokens, 96))
    x[-1, 32:64] = 0
    check_quantize("quantize_mxfp4", x, ("mx",), "f4E2M1FN", "bf16")
    check_quantize("quantize_mxfp8", spread((tokens, 64)), ("mx",),
                   "f8E4M3FN", "bf16")
# Groups holding an infinity or NaN get a NaN scale (their values are
# unspecified); the other groups of the same rows are unaffected.
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
h.exact("quantize_groups with inf and NaN groups: the other values",
        q[keep], want_q[keep])
x = spread((2, 64))
x[0, 40], x[1, 3] = -np.inf, np.nan
x = reference.round_to(x, "bf16")
q, s = h.run("quantize_mxfp8", [x])
h.exact("quantize mx with inf and NaN groups: scales (0xFF = NaN)", s,
        qr.quantize(x, ("mx",), "f8E4M3FN")[1])

check_quantize("quantize_blocks", rng.standard_normal((2, 300, 200)) * 0.02,
               ("block", 128, 128), "f8E4M3FN", "f32")
check_quantize("quantize_tensor", spread((3, 5, 64)), ("per_tensor",),
               "f8E4M3FN", "bf16")

# Dequantization: random finite codes and scales.
q = rng.integers(0, 256, size=(2, 300, 200)).astype(np.uint8)
q[(q & 0x7F) == 0x7F] = 0  # no NaN codes
s = (rng.random((2, 3, 2)) * 1e-3).astype(np.float32)
(got,) = h.run("dequantize_blocks", [q, s])
h.exact("dequantize block [128, 128] f8E4M3FN -> bf16", got,
        reference.round_to(qr.dequantize(q, s, ("block", 128, 128),
                                         "f8E4M3FN"), "bf16"))
q4 = rng.integers(0, 16, size=(4, 16, 64)).astype(np.uint8)
s4 = rng.integers(100, 140, size=(4, 16, 2)).astype(np.uint8)
s4[0, 0, 0], s4[0, 0, 1] = 0, 254  # 2^-127 (f32 subnormal) and 2^127
(got,) = h.run("dequantize_mxfp4", [qr.pack_fp4(q4), s4])
h.exact("dequantize mx f4E2M1FN -> f32", got.view(np.uint32),
        qr.dequantize(q4, s4, ("mx",), "f4E2M1FN").view(np.uint32))
for tokens in (1, 3):
    q = rng.integers(0, 256, size=(tokens, 64)).astype(np.uint8)
    q[q == 0x80] = 0
    s = rng.random(tokens).astype(np.float32) * 4
    (got,) = h.run("dequantize_rows_fnuz", [q, s])
    h.exact(f"dequantize per_row f8E4M3FNUZ -> f16 T={tokens}", got,
            reference.round_to(qr.dequantize(q, s, ("per_row",),
                                             "f8E4M3FNUZ"), "f16"))
q = rng.integers(0, 0x7F, size=(3, 64)).astype(np.uint8)
s = rng.random((3, 2)).astype(np.float32)
(got,) = h.run("dequantize_dynamic", [q, s])
h.exact("dequantize with dynamic sizes", got, reference.round_to(
    qr.dequantize(q, s, ("block", 1, 32), "f8E4M3FN"), "bf16"))
h.fails_with("dequantize with 2 scale rows for 3 value rows",
             "dequantize_dynamic", [q, s[:2]],
             "values scales: dim 0 must be the number of scale groups of the "
             "scheme: expected 3, found 2")
x = reference.round_to(spread((4, 96)), "bf16")
q, s = h.run("quantize_mx_dynamic", [x])
want_q, want_s = qr.quantize(x, ("mx",), "f8E4M3FN")
codes_equal("quantize mx with a dynamic column count: values", q, want_q,
            "f8E4M3FN")
h.exact("quantize mx with a dynamic column count: scales", s, want_s)
h.fails_with("quantize mx with 48 columns", "quantize_mx_dynamic",
             [reference.round_to(spread((4, 48)), "bf16")],
             "input: the remainder of the last dimension by 32 (the mx "
             "block): expected 0, found 16")
h.finish()
