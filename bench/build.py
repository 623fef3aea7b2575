"""Builds the benchmark libraries (needs MLIR: run where moe-compile is).

  python3 bench/build.py --moe-compile build/bin/moe-compile --out DIR

writes DIR/MODEL.mlir and DIR/MODEL.T<T>.sm_90.so for every model and token
count of bench/models.py (moe-optimize picks the tiles for each T), for
bench/moe_bench.py to run on the GPU machine. With --buckets, each model is
compiled once without --tokens (token buckets: one library for every T) and
that library is copied to every MODEL.T<T> name.
"""

import argparse
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from models import MODELS, TOKENS, program  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--moe-compile", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--target", default="sm_90")
    parser.add_argument("--compile-flag", action="append", default=[],
                        help="extra moe-compile flag, e.g. "
                             "--compile-flag=--gemm-loads=async-copy (repeatable)")
    parser.add_argument("--buckets", action="store_true",
                        help="one library per model for every T")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name in MODELS:
        src = os.path.join(args.out, f"{name}.mlir")
        with open(src, "w") as f:
            f.write(program(name))
        if args.buckets:
            lib = os.path.join(args.out, f"{name}.{args.target}.so")
            subprocess.run([args.moe_compile, src, f"--target={args.target}",
                            "-o", lib] + args.compile_flag, check=True)
            for t in TOKENS:
                shutil.copyfile(lib, os.path.join(
                    args.out, f"{name}.T{t}.{args.target}.so"))
            print(f"built {lib} (every T)", flush=True)
            continue
        for t in TOKENS:
            lib = os.path.join(args.out, f"{name}.T{t}.{args.target}.so")
            subprocess.run([args.moe_compile, src, f"--target={args.target}",
                            f"--tokens={t}", "-o", lib] + args.compile_flag,
                           check=True)
            print(f"built {lib}", flush=True)


if __name__ == "__main__":
    main()
