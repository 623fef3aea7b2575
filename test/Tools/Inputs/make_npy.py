"""Writes the .npy inputs of moe-run.test into the folder given."""
import os
import sys

import numpy as np

out = sys.argv[1]
np.save(os.path.join(out, "routes.npy"),
        np.arange(1, 25, dtype=np.float32).reshape(6, 4))
np.save(os.path.join(out, "scale.npy"), np.full((3, 2), 0.5, dtype=np.float32))
np.save(os.path.join(out, "routes5.npy"), np.ones((5, 4), dtype=np.float32))
np.save(os.path.join(out, "ids.npy"), np.array([[0, 5], [1, 7]], dtype=np.int32))
np.save(os.path.join(out, "begin.npy"), np.array(4, dtype=np.int64))
np.save(os.path.join(out, "ids_f64.npy"), np.zeros((6, 4)))
np.save(os.path.join(out, "wide.npy"), np.zeros((6, 5), dtype=np.float32))
# A header whose shape is negative (hand-written: numpy would not save it).
header = "{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 4), }"
header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
with open(os.path.join(out, "negative-shape.npy"), "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little"))
    f.write(header.encode())
with open(os.path.join(out, "not-npy.txt"), "w") as f:
    f.write("hello\n")
