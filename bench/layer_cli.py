"""What the layer benchmarks (fp8_layer.py, mxfp4_layer.py,
bias_overhead.py) share: `build` writes each program and compiles it for
sm_90 at each T here (MLIR); `run` times the libraries on the GPU machine.
"""

import argparse
import os
import subprocess


def compile_layers(moe_compile, out, programs, tokens):
    """Writes OUT/STEM.mlir for each (STEM, text) of `programs` and compiles
    it at each T into OUT/STEM.T<T>.sm_90.so."""
    os.makedirs(out, exist_ok=True)
    for stem, text in programs:
        src = os.path.join(out, f"{stem}.mlir")
        with open(src, "w") as f:
            f.write(text)
        for t in tokens:
            lib = os.path.join(out, f"{stem}.T{t}.sm_90.so")
            subprocess.run([moe_compile, src, "--target=sm_90",
                            f"--tokens={t}", "-o", lib], check=True)
            print(f"built {lib}", flush=True)


def main(doc, build, run, run_options=()):
    """`build --moe-compile --out` or `run --artifacts --backend` (plus
    `run_options`: (flag, argparse keywords) pairs), then build(args) or
    run(args)."""
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    b = sub.add_parser("build")
    b.add_argument("--moe-compile", required=True)
    b.add_argument("--out", required=True)
    r = sub.add_parser("run")
    r.add_argument("--artifacts", required=True)
    r.add_argument("--backend", required=True)
    for flag, keywords in run_options:
        r.add_argument(flag, **keywords)
    args = parser.parse_args()
    build(args) if args.mode == "build" else run(args)
