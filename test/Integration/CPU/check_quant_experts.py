"""Checks quant_experts.mlir against quant_reference.quantized_experts.

The reference applies the same quantization (weights dequantized in f32,
activation rows quantized with moe.quantize's rules) in f64; the library
accumulates in f32. The bound is the harness's bf16/f16 one: f32-vs-f64
sums and a rare one-code flip of an fp8 activation (an element whose f32
and f64 values straddle a rounding edge) stay far inside it. A second,
looser check bounds the quantization error itself against the unquantized
layer (f32 weights, f32 activations), per format.
"""

import argparse

import numpy as np

import quant_reference as qr
import reference
from harness import Harness, compare_close

h = Harness()
rng = np.random.default_rng(7)
# --entries a,b (the entries a library has; default all) and --tokens 1,5.
options = argparse.ArgumentParser()
options.add_argument("--entries", default="")
options.add_argument("--tokens", default="1,5")
options = options.parse_args(h.extra)
entries = set(filter(None, options.entries.split(",")))
token_counts = [int(t) for t in options.tokens.split(",")]

CASES = [
    # entry, H, I, E, x dtype, activation, weight (scheme, fmt),
    # act_quant, error bound against the unquantized layer
    ("fp8_blocks", 256, 128, 8, "bf16", ("silu_mul", "split"),
     (("block", 128, 128), "f8E4M3FN"), (("block", 1, 128), "f8E4M3FN"), 0.1),
    ("mxfp4_a16w4", 64, 64, 4, "bf16",
     ("swiglu_oai", "interleaved", 1.702, 1.0, 7.0), (("mx",), "f4E2M1FN"),
     None, 0.35),
    ("mxfp8", 96, 64, 4, "bf16", ("swiglu_oai", "split", 1.702, 1.0, 7.0),
     (("mx",), "f8E4M3FN"), (("mx",), "f8E4M3FN"), 0.1),
    ("fnuz_channels", 64, 32, 4, "f16", ("silu_mul", "split"),
     (("per_row",), "f8E4M3FNUZ"), (("per_row",), "f8E4M3FNUZ"), 0.1),
    ("fp8_channels_a16w8", 512, 192, 16, "bf16", ("silu_mul", "split"),
     (("per_row",), "f8E4M3FN"), None, 0.1),
    ("mxfp4_wide", 1152, 320, 8, "bf16",
     ("swiglu_oai", "interleaved", 1.702, 1.0, 7.0), (("mx",), "f4E2M1FN"),
     None, 0.35),
    ("fp8_rows_a8w8", 336, 80, 8, "bf16", ("silu_mul", "split"),
     (("per_row",), "f8E4M3FN"), (("per_row",), "f8E4M3FN"), 0.1),
]

for entry, H, I, E, dtype, act, (wscheme, wfmt), act_quant, bound in CASES:
    if entries and entry not in entries:
        continue
    w1 = rng.standard_normal((E, 2 * I, H)).astype(np.float32) * 0.2
    w2 = rng.standard_normal((E, H, I)).astype(np.float32) * 0.2
    q1, s1 = qr.quantize(w1, wscheme, wfmt)
    q2, s2 = qr.quantize(w2, wscheme, wfmt)
    args1, args2 = q1, q2
    if wfmt == "f4E2M1FN":
        args1, args2 = qr.pack_fp4(q1), qr.pack_fp4(q2)
    for tokens in token_counts:
        x = reference.round_to(rng.standard_normal((tokens, H)) * 2, dtype)
        ids = np.stack([rng.choice(E, 2, replace=False)
                        for _ in range(tokens)]).astype(np.int32)
        weights = rng.random((tokens, 2)).astype(np.float32)
        (got,) = h.run(entry, [x, args1, args2, weights, ids, s1, s2])
        want = qr.quantized_experts(
            x, (q1, s1, wscheme, wfmt), (q2, s2, wscheme, wfmt), weights, ids,
            act, reference.activation, reference.round_to, dtype, act_quant)
        label = f"{entry} T={tokens}"
        h.close(f"{label} vs the quantized reference", got,
                reference.round_to(want, dtype), dtype)
        exact = reference.experts(x, w1, w2, weights, ids, act)
        ok, message = compare_close(got, exact, dtype, tolerance=bound)
        h.checks += 1
        if ok:
            print(f"PASS {label} quantization error within {bound} of "
                  f"max|y|: {message}")
        else:
            h._fail(f"{label} quantization error", message)
h.finish()
