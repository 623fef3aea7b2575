"""Quantized number formats and moe.quantize/moe.dequantize in numpy.

Written from the format definitions, not from the lowering:
  - f8E4M3FN (OCP 8-bit FP, E4M3): bias 7, no infinities, NaN = S.1111.111,
    largest 448;
  - f8E4M3FNUZ (gfx942): bias 8, no infinities, no negative zero, the only
    NaN is 0x80, largest 240;
  - f4E2M1FN (OCP MX, E2M1): bias 1, no infinities or NaN, largest 6;
  - f8E8M0FNU (OCP MX scale): 2^(code - 127), 0xFF is NaN.
Codes are decoded field by field; rounding picks the nearest representable
value, ties to the even code (the code's lowest bit is the mantissa's), and
a value that rounds past the largest finite one is NaN (fp8) or the
largest finite value (fp4, which has no NaN).
"""

import numpy as np

FORMATS = {
    # name: (exponent bits, mantissa bits, bias)
    "f8E4M3FN": (4, 3, 7),
    "f8E4M3FNUZ": (4, 3, 8),
    "f4E2M1FN": (2, 1, 1),
}


def decode(code, fmt):
    """The value of one code (NaN for NaN codes)."""
    if fmt == "f8E8M0FNU":
        return np.nan if code == 0xFF else 2.0 ** (int(code) - 127)
    ebits, mbits, bias = FORMATS[fmt]
    width = 1 + ebits + mbits
    code = int(code) & ((1 << width) - 1)
    sign = -1.0 if code >> (width - 1) else 1.0
    mag = code & ((1 << (width - 1)) - 1)
    if fmt == "f8E4M3FN" and mag == 0x7F:
        return np.nan
    if fmt == "f8E4M3FNUZ" and code == 0x80:
        return np.nan
    field, man = mag >> mbits, mag & ((1 << mbits) - 1)
    if field == 0:
        value = man * 2.0 ** (1 - bias - mbits)
    else:
        value = (1 + man / 2.0 ** mbits) * 2.0 ** (field - bias)
    return sign * value


def decode_all(codes, fmt):
    codes = np.asarray(codes)
    return np.vectorize(lambda c: decode(c, fmt), otypes=[np.float64])(codes)


def largest(fmt):
    ebits, mbits, _ = FORMATS[fmt]
    mags = [decode(c, fmt) for c in range(1 << (ebits + mbits))]
    return max(v for v in mags if not np.isnan(v))


def _table(fmt):
    """(magnitudes, codes) of the finite non-negative values, plus the value
    one ulp past the largest (its code is the largest code + 1: NaN)."""
    ebits, mbits, bias = FORMATS[fmt]
    pairs = [(decode(c, fmt), c) for c in range(1 << (ebits + mbits))]
    pairs = [(v, c) for v, c in pairs if not np.isnan(v)]
    top_value, top_code = max(pairs)
    ulp = 2.0 ** (np.floor(np.log2(top_value)) - mbits)
    pairs.append((top_value + ulp, top_code + 1))
    pairs.sort()
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])


def nan_code(fmt, negative):
    """What NaN and overflow become: the NaN code, or for fp4 (no NaN) the
    largest magnitude with the sign (saturation)."""
    if fmt == "f8E4M3FNUZ":
        return 0x80
    if fmt == "f8E4M3FN":
        return 0xFF if negative else 0x7F
    return 0xF if negative else 0x7


def encode(x, fmt):
    """Round float values to codes of `fmt` (uint8), nearest, ties to even."""
    values, codes = _table(fmt)
    ebits, mbits, _ = FORMATS[fmt]
    width = 1 + ebits + mbits
    top = codes[-1]
    out = []
    for v in np.asarray(x, dtype=np.float64).reshape(-1):
        negative = bool(np.signbit(v))
        if np.isnan(v) or np.isinf(v):
            out.append(nan_code(fmt, negative))
            continue
        a = abs(v)
        i = int(np.searchsorted(values, a))
        if i == len(values):
            code = top  # beyond the virtual value: overflow
        elif values[i] == a:
            code = codes[i]
        else:
            lo, hi = i - 1, i
            dlo, dhi = a - values[lo], values[hi] - a
            if dlo < dhi or (dlo == dhi and codes[lo] % 2 == 0):
                code = codes[lo]
            else:
                code = codes[hi]
        if code == top:
            out.append(nan_code(fmt, negative))
            continue
        if negative and not (fmt == "f8E4M3FNUZ" and code == 0):
            code |= 1 << (width - 1)
        out.append(code)
    return np.array(out, dtype=np.uint8).reshape(np.shape(x))


def _groups(shape, scheme):
    """Yields (scale index, element slice) for every group of `scheme`:
    ("per_tensor",), ("per_row",), ("block", br, bc) or ("mx",)."""
    rank = len(shape)
    lead = shape[:-2] if rank >= 2 else ()
    kind = scheme[0]
    for li in np.ndindex(*lead):
        if kind == "per_tensor":
            yield li, li + (slice(None),) * min(rank, 2)
            continue
        rows, cols = shape[-2], shape[-1]
        if kind == "per_row":
            for r in range(rows):
                yield li + (r,), li + (r, slice(None))
        elif kind == "block":
            br, bc = scheme[1], scheme[2]
            for i in range(-(-rows // br)):
                for j in range(-(-cols // bc)):
                    yield li + (i, j), li + (slice(i * br, (i + 1) * br),
                                             slice(j * bc, (j + 1) * bc))
        elif kind == "mx":
            for r in range(rows):
                for j in range(cols // 32):
                    yield li + (r, j), li + (r, slice(32 * j, 32 * j + 32))


def scale_shape(shape, scheme):
    kind = scheme[0]
    if kind == "per_tensor":
        return tuple(shape[:len(shape) - min(len(shape), 2)])
    lead, rows, cols = tuple(shape[:-2]), shape[-2], shape[-1]
    if kind == "per_row":
        return lead + (rows,)
    if kind == "block":
        return lead + (-(-rows // scheme[1]), -(-cols // scheme[2]))
    return lead + (rows, cols // 32)


def quantize(x, scheme, fmt):
    """moe.quantize: (codes, scales); f32 scales, or E8M0 codes for mx."""
    x = np.asarray(x, dtype=np.float32)
    fmax = np.float32(largest(fmt))
    emax = int(np.floor(np.log2(largest(fmt))))
    codes = np.zeros(x.shape, dtype=np.uint8)
    mx = scheme[0] == "mx"
    scales = np.zeros(scale_shape(x.shape, scheme),
                      dtype=np.uint8 if mx else np.float32)
    for si, sl in _groups(x.shape, scheme):
        group = x[sl]
        amax = np.float32(np.max(np.abs(group))) if group.size else np.float32(0)
        if not np.isfinite(amax):
            # A NaN scale; the values are unspecified (left 0 here).
            scales[si] = 0xFF if mx else np.float32(np.nan)
            continue
        if mx:
            e = -127 if amax == 0 else int(np.floor(np.log2(np.float64(amax)))) - emax
            e = max(-127, min(127, e))
            scales[si] = e + 127
            scaled = group * np.float32(2.0 ** -e)
        else:
            s = np.float32(max(amax, np.float32(1e-10)) / fmax)
            scales[si] = s
            scaled = group / s  # f32 division, as the op says
        codes[sl] = encode(np.clip(scaled, -fmax, fmax), fmt)
    return codes, scales


def dequantize(codes, scales, scheme, fmt):
    """moe.dequantize: the f32 product of each value and its scale (the
    caller rounds it to the result type)."""
    values = decode_all(codes, fmt).astype(np.float32)
    out = np.zeros(values.shape, dtype=np.float32)
    mx = scheme[0] == "mx"
    for si, sl in _groups(values.shape, scheme):
        s = decode(scales[si], "f8E8M0FNU") if mx else scales[si]
        with np.errstate(over="ignore"):  # 6 * 2^127 is inf in f32 too
            out[sl] = values[sl] * np.float32(s)
    return out


def pack_fp4(codes):
    """Two fp4 codes per byte along the last dimension, low nibble first."""
    codes = np.asarray(codes, dtype=np.uint8)
    return (codes[..., 0::2] & 0xF) | ((codes[..., 1::2] & 0xF) << 4)


def unpack_fp4(packed):
    packed = np.asarray(packed, dtype=np.uint8)
    out = np.empty(packed.shape[:-1] + (packed.shape[-1] * 2,), dtype=np.uint8)
    out[..., 0::2] = packed & 0xF
    out[..., 1::2] = packed >> 4
    return out


def fake_quantize_row(row, scheme, fmt):
    """quantize then dequantize one row (a [1, n] tensor) in f32."""
    codes, scales = quantize(np.asarray(row, np.float32)[None], scheme, fmt)
    return dequantize(codes, scales, scheme, fmt)[0]


def quantized_experts(x, w1, w2, weights, ids, act, activation, round_to,
                      x_dtype, act_quant=None):
    """moe.experts with quantized weights, in f64 from the dequantized f32
    weights. w1, w2: (codes, scales, scheme, fmt). act_quant: (scheme, fmt)
    quantizes x[t] for GEMM1 and, after rounding to x_dtype, the activation
    row for GEMM2."""
    W1 = dequantize(*w1).astype(np.float64)
    W2 = dequantize(*w2).astype(np.float64)
    x = np.asarray(x, np.float32)
    y = np.zeros((x.shape[0], W2.shape[1]))
    for t in range(x.shape[0]):
        xr = x[t] if act_quant is None else fake_quantize_row(x[t], *act_quant)
        for j in range(ids.shape[1]):
            e = ids[t, j]
            a = activation(W1[e] @ np.asarray(xr, np.float64), *act)
            if act_quant is not None:
                a = fake_quantize_row(round_to(a, x_dtype), *act_quant)
            y[t] += weights[t, j] * (W2[e] @ np.asarray(a, np.float64))
    return y
