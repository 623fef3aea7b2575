"""Quantized tensors through moe_mlir.library.CPULibrary: uint8 codes in
and out (fp4 one code per byte), checked against the numpy oracle of
test/Integration/CPU/quant_reference.py, and the error for a tensor that is
not uint8."""

import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "CPU"))
import quant_reference as qr  # noqa: E402
from moe_mlir.library import CPULibrary  # noqa: E402

lib = CPULibrary(sys.argv[1])
passed = failed = 0


def report(name, ok, detail=""):
    global passed, failed
    passed, failed = passed + ok, failed + (not ok)
    print(f"{'PASS' if ok else 'FAIL'} {name} {detail}")


rng = np.random.default_rng(5)
x = torch.from_numpy(rng.standard_normal((3, 64)).astype(np.float32) * 8)
x = x.to(torch.bfloat16)
q, s = lib.call("quantize_mxfp8", x)
want_q, want_s = qr.quantize(x.float().numpy(), ("mx",), "f8E4M3FN")
report("quantize mxfp8: uint8 codes", q.dtype == torch.uint8 and
       np.array_equal(q.numpy(), want_q))
report("quantize mxfp8: E8M0 scales", s.dtype == torch.uint8 and
       np.array_equal(s.numpy(), want_s))

codes = rng.integers(0, 16, size=(4, 16, 64)).astype(np.uint8)
scales = rng.integers(110, 140, size=(4, 16, 2)).astype(np.uint8)
(w,) = lib.call("dequantize_mxfp4", torch.from_numpy(codes),
                torch.from_numpy(scales))
want = qr.dequantize(codes, scales, ("mx",), "f4E2M1FN")
report("dequantize mxfp4 from unpacked codes", np.array_equal(w.numpy(), want))

try:
    lib.call("dequantize_mxfp4", torch.zeros(4, 16, 64), torch.from_numpy(scales))
    report("a float tensor for fp4 codes is refused", False, "no error")
except ValueError as e:
    report("a float tensor for fp4 codes is refused",
           "f4e2m1fn (uint8 codes) tensor" in str(e), str(e))
try:
    lib.call("dequantize_mxfp4", torch.from_numpy(codes[..., :32].copy()),
             torch.from_numpy(scales))
    report("packed fp4 codes are refused by a CPU library", False, "no error")
except ValueError as e:
    report("packed fp4 codes are refused by a CPU library",
           "expected 64 bytes in the last dimension (fp4, one code per byte)"
           ", got 32" in str(e), str(e))
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
