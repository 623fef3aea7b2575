"""The GEMM kernels whose AMD ISA differs between two folders of
`moe-compile --target=CHIP --tokens=T --emit=isa -o DIR/MODEL.T.CHIP` outputs
(every model of bench/models.py, T = 1..4096, gfx942 and gfx950): per
kernel its VGPRs and VGPR spills (the code object metadata in the
assembly), its v_mfma instructions and their shapes, before and after.

  python3 bench/results/amd/compare_isa.py BEFORE_DIR AFTER_DIR
"""

import re
import sys

MODELS = ["qwen3_235b_tp4", "gpt_oss_120b", "deepseek_v3_tp8",
          "mixtral_8x7b_tp2", "minimax_m3_tp8"]


def kernels(path):
    text = open(path).read()
    out = {}
    parts = re.split(r"^// kernel (\S+) for \S+$", text, flags=re.M)
    for name, body in zip(parts[1::2], parts[2::2]):
        if "grouped_matmul" not in name:
            continue
        code = body.split(".Lfunc_end")[0]
        vgprs = re.search(r"\.vgpr_count:\s+(\d+)", body).group(1)
        spills = re.search(r"\.vgpr_spill_count:\s+(\d+)", body).group(1)
        shapes = sorted(set(re.findall(r"v_mfma_f32_(\d+x\d+x\d+)", code)))
        out[name] = (int(vgprs), int(spills), code.count("v_mfma"),
                     ",".join(shapes))
    return out


def main():
    before, after = sys.argv[1:3]
    print("| model | T | chip | kernel | before: VGPR, spills, MFMAs, shape "
          "| after: VGPR, spills, MFMAs, shape |")
    print("|---|---|---|---|---|---|")
    for m in MODELS:
        for t in (1, 4, 16, 64, 256, 1024, 4096):
            for c in ("gfx942", "gfx950"):
                b = kernels(f"{before}/{m}.{t}.{c}")
                a = kernels(f"{after}/{m}.{t}.{c}")
                for k in sorted(b):
                    if b[k] != a[k]:
                        print(f"| {m} | {t} | {c} | {k} | "
                              f"{', '.join(map(str, b[k]))} | "
                              f"{', '.join(map(str, a[k]))} |")


if __name__ == "__main__":
    main()
