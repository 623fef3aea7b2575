"""Static checks of the AMD GEMM kernels against the GEMM-performance targets
(no AMD GPU is reachable: the code objects are read, not run).

  python3 bench/amd_static.py --moe-compile build/bin/moe-compile \
      --moe-opt build/bin/moe-opt --out bench/results/amd

For every model of bench/models.py, token count and chip (gfx942, gfx950)
it compiles the layer (moe-compile --emit=hsaco --stats), reads each GEMM
kernel's row of the resource table, and the block_m moe-optimize gave its
moe.grouped_matmul, and checks:

  - no spills (VGPR or SGPR) and no scratch;
  - MFMA 32x32 in every GEMM of blocks of 32 or more rows;
  - LDS within the chip's (64 KiB gfx942, 160 KiB gfx950);
  - at least 2 workgroups per CU for decode blocks (16 rows or fewer).

Writes OUT/static.md (one row per GEMM kernel, and the targets met) and
OUT/static.json; exits 1 when a check fails.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from models import MODELS, TOKENS, program  # noqa: E402

CHIPS = {"gfx942": 64 * 1024, "gfx950": 160 * 1024}
COLUMNS = ("kernel", "chip", "vgpr", "agpr", "sgpr", "spills", "lds",
           "scratch", "waves", "wg_per_cu", "mfma", "shape")


def stats_rows(moe_compile, src, t, chip, tmp):
    """The GEMM rows of moe-compile --stats, in kernel order."""
    out = subprocess.run(
        [moe_compile, src, f"--target={chip}", f"--tokens={t}",
         "--emit=hsaco", "-o", os.path.join(tmp, f"{chip}.{t}"), "--stats"],
        check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        fields = line.split()
        if len(fields) != len(COLUMNS) or "grouped_matmul" not in fields[0]:
            continue
        row = dict(zip(COLUMNS, fields))
        for key in COLUMNS[2:-1]:
            row[key] = int(row[key])
        rows.append(row)
    return rows


def block_ms(moe_opt, src, t, chip):
    """block_m of each moe.grouped_matmul after moe-optimize, in order."""
    out = subprocess.run(
        [moe_opt, src, f"--moe-optimize=target={chip} tokens={t}"],
        check=True, capture_output=True, text=True).stdout
    return [int(m) for m in re.findall(
        r"moe\.grouped_matmul .*? block_m (\d+)", out)]


def checks(row, block_m, chip):
    """The failed checks of one GEMM kernel (empty: every target met)."""
    failed = []
    if row["spills"] or row["scratch"]:
        failed.append("spills or scratch")
    if row["lds"] > CHIPS[chip]:
        failed.append("LDS past the chip's")
    if block_m >= 32 and not row["shape"].startswith("32x32"):
        failed.append("no 32x32 MFMA on a 32+ row block")
    if block_m <= 16 and row["wg_per_cu"] < 2:
        failed.append("fewer than 2 workgroups per CU at decode")
    return failed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--moe-compile", required=True)
    parser.add_argument("--moe-opt", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--tokens", default=",".join(map(str, TOKENS)))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models.split(","):
            src = os.path.join(tmp, f"{name}.mlir")
            with open(src, "w") as f:
                f.write(program(name))
            for t in map(int, args.tokens.split(",")):
                for chip in CHIPS:
                    rows = stats_rows(args.moe_compile, src, t, chip, tmp)
                    blocks = block_ms(args.moe_opt, src, t, chip)
                    if len(rows) != len(blocks):
                        sys.exit(f"{name} T={t} {chip}: {len(rows)} GEMM "
                                 f"kernels, {len(blocks)} grouped_matmul ops")
                    for row, block_m in zip(rows, blocks):
                        row.update(model=name, tokens=t, block_m=block_m,
                                   failed=checks(row, block_m, chip))
                        results.append(row)
                    print(f"{name} T={t} {chip}: {len(rows)} GEMMs",
                          flush=True)
    failures = [r for r in results if r["failed"]]
    with open(os.path.join(args.out, "static.json"), "w") as f:
        json.dump(results, f, indent=1)
    with open(os.path.join(args.out, "static.md"), "w") as f:
        f.write("# AMD GEMM kernels, statically (bench/amd_static.py)\n\n")
        f.write(f"{len(results)} GEMM kernels ({len(MODELS)} models x "
                f"T = {args.tokens} x gfx942, gfx950); targets: no spills "
                "or scratch, MFMA 32x32 on blocks of 32+ rows, LDS within "
                "the chip, 2+ workgroups per CU at decode blocks (16 rows "
                f"or fewer). Met by {len(results) - len(failures)}, missed "
                f"by {len(failures)}.\n\n")
        f.write("| model | T | chip | kernel | block_m | VGPR | AGPR | "
                "spills | LDS | scratch | waves/SIMD | WG/CU | MFMA | shape "
                "| missed |\n")
        f.write("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
                "---|\n")
        for r in results:
            f.write(f"| {r['model']} | {r['tokens']} | {r['chip']} | "
                    f"{r['kernel'].split('_', 1)[1]} | {r['block_m']} | "
                    f"{r['vgpr']} | {r['agpr']} | {r['spills']} | "
                    f"{r['lds']} | {r['scratch']} | {r['waves']} | "
                    f"{r['wg_per_cu']} | {r['mfma']} | {r['shape']} | "
                    f"{', '.join(r['failed']) or '-'} |\n")
    print(f"{len(results) - len(failures)} of {len(results)} GEMM kernels "
          "meet the AMD targets")
    for r in failures:
        print(f"missed: {r['model']} T={r['tokens']} {r['chip']} "
              f"{r['kernel']}: {', '.join(r['failed'])}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
