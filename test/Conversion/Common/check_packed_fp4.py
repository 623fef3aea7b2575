"""Reads packed-fp4.mlir's printed vectors (32 values for each 16 bytes
b = 16 v .. 16 v + 15, in order) and checks value 2 i + j of vector v against
quant_reference.decode of nibble j (low first) of byte 16 v + i, sign of
zero included."""

import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "Integration", "CPU"))
import quant_reference as qr  # noqa: E402

rows = [[float(x) for x in line.strip().strip("()").split(",")]
        for line in sys.stdin if line.strip().startswith("(")]
checked, bad = 0, []
for v, row in enumerate(rows):
    if len(row) != 32:
        bad.append(f"vector {v}: {len(row)} values, expected 32")
        continue
    for i in range(16):
        byte = 16 * v + i
        for j in range(2):
            code = (byte >> (4 * j)) & 0xF
            want = qr.decode(code, "f4E2M1FN")
            got = row[2 * i + j]
            checked += 1
            if got != want or math.copysign(1, got) != math.copysign(1, want):
                bad.append(f"byte {byte:#04x} code {j}: got {got}, want {want}")
if len(rows) != 16:
    bad.append(f"{len(rows)} vectors printed, expected 16")
for line in bad[:10]:
    print("FAIL", line)
if bad:
    sys.exit(1)
print(f"{checked} codes of {checked // 2} bytes equal to the E2M1 values")
