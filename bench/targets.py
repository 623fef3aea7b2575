"""Checks a bench/moe_bench.py results.json against the GEMM-performance
targets and prints, per row, the target, the measurement and met / missed.

Targets (H200, bf16, CUDA graph, alignment included, one run):
  T = 1..256: Triton time / moe-mlir time >= 1.1, or >= 90 % of the
              datasheet roofline, whichever is lower (easier);
  T = 1:      also >= 60 % of the datasheet roofline;
  T >= 1024:  Triton time / moe-mlir time >= 1.0.

Usage: python3 bench/targets.py bench/results/h200/results.json
"""
import argparse
import json
import sys


def verdicts(row):
    """(target, measured, met) for each target that applies to a row."""
    speedup = row["triton_us"] / row["moe_mlir_us"]
    roofline = row["pct_roofline"]
    out = []
    if row["T"] <= 256:
        out.append(("1.1x Triton or 90 % roofline",
                    f"{speedup:.2f}x, {roofline:.1f} %",
                    speedup >= 1.1 or roofline >= 90.0))
    if row["T"] == 1:
        out.append(("60 % roofline", f"{roofline:.1f} %", roofline >= 60.0))
    if row["T"] >= 1024:
        out.append(("1.0x Triton", f"{speedup:.2f}x", speedup >= 1.0))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", help="results.json of bench/moe_bench.py")
    args = parser.parse_args()
    with open(args.results) as f:
        rows = json.load(f)["rows"]
    met = missed = 0
    print("| model | T | target | measured | |")
    print("|---|---|---|---|---|")
    for row in rows:
        for target, measured, ok in verdicts(row):
            print(f"| {row['model']} | {row['T']} | {target} | {measured} | "
                  f"{'met' if ok else 'MISSED'} |")
            met += ok
            missed += not ok
    print(f"\n{met} met, {missed} missed")
    return 0 if missed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
