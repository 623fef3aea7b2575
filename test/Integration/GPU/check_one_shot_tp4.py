"""The one-shot all_reduce + residual + RMSNorm kernel with 4 ranks sharing
GPU 0 (one_shot_tp4.mlir): the checks of check_tp.py's one-shot part, over
4 processes. NCCL refuses several ranks on one device, so these pass only if
every call took the one-shot kernel. Only the cuda backend (with another:
SKIP, nothing counted)."""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "CPU"))
import check_tp  # noqa: E402
from harness import Harness  # noqa: E402


def main():
    h = Harness()
    if h.backend != "cuda":
        print("SKIP one-shot TP4: these checks run on the cuda backend")
        print("0 passed, 0 failed")
        return
    check_tp.RANKS = 4
    rng = np.random.default_rng(41)
    label = "one-shot, 4 ranks on GPU 0"
    # T = 7000: every entry's message is past 256 KiB (two stages: row r
    # reduced by rank r % 4 only, the others read its sum).
    check_tp.check_one_shot(h, rng, label, (1, 7, 300, 7000),
                            devices=[0] * 4)
    # T = 2049: the first and third calls take two stages (2049 rows of
    # 128 bytes), the second one stage (2048 rows): the modes share flags
    # and buffers.
    check_tp.check_one_shot_repeat(h, rng, label, (1, 9, 2049),
                                   devices=[0] * 4)
    h.finish()


if __name__ == "__main__":
    main()
