"""GPU integration tests: the CPU integration programs, compiled for a GPU
target, checked against the same numpy reference with the same tolerances
(test/Integration/CPU/harness.py).

Building needs MLIR (this repo's moe-compile and moe-opt); running needs a GPU
and the runtime (moe-run and its backend library), so the two can happen on
different machines:

  run.py --build --moe-compile build/bin/moe-compile --moe-opt build/bin/moe-opt \
         --artifacts DIR                                # here
  run.py --run --moe-run build-runtime/bin/moe-run --artifacts DIR   # GPU machine
         [--sanitize memcheck|racecheck|synccheck] [--only NAME]

Both at once (--build --run) is what the lit test does where a GPU is present.
Ends with "gpu-tests: N passed, M failed" (checks, summed over the cases) and
exit code 1 if anything failed or did not run.
"""

import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CPU = os.path.join(HERE, "..", "CPU")
FRONTENDS = os.path.join(HERE, "..", "..", "Frontends")

# (case, program, check script, extra arguments), the program and script
# from this folder or else test/Integration/CPU (source());
# {artifacts} and {target} are filled in. A program ending in
# ".direct.mlir" is the CPU one compiled with --no-optimize (expanded but not
# tiled or fused: the standalone activation kernel and default tiles); one
# ending in ".buckets.mlir" is compiled without --tokens (token buckets: one
# library for every T).
CASES = [
    ("align", "align.mlir", "check_align.py", []),
    ("gate", "gate.mlir", "check_gate.py", []),
    ("grouped_matmul", "grouped_matmul.mlir", "check_grouped_matmul.py", []),
    # sm_90 only (its plans name warpgroup MMAs): skipped for other targets.
    ("grouped_matmul warpgroup", "grouped_matmul_warpgroup.mlir",
     "check_grouped_matmul_warpgroup.py", []),
    # sm_90 only (shared-tile plans with 128-k stages).
    ("grouped_matmul k tile 128", "grouped_matmul_k_tile.mlir",
     "check_grouped_matmul_k_tile.py", []),
    ("grouped_matmul row dot", "grouped_matmul_row_dot.mlir",
     "check_grouped_matmul_row_dot.py", []),
    ("elementwise", "elementwise.mlir", "check_elementwise.py", []),
    # fp8: moe.quantize of activation rows, code for code; quantized
    # experts (a8w8 blocks and channels, MXFP8, a16w8 channels; MXFP4
    # a16w4) in route order (T = 1) and aligned blocks (T = 5, 40).
    ("quantize", "quant_gpu.mlir", "check_quant_rows.py", []),
    ("quantized experts (fp8)", "quant_gpu.mlir", "check_quant_experts.py",
     ["--entries", "fp8_blocks,mxfp8,fp8_channels_a16w8,fp8_rows_a8w8",
      "--tokens", "1,5,40"]),
    ("quantized experts (MXFP4 a16w4)", "quant_gpu.mlir",
     "check_quant_experts.py",
     ["--entries", "mxfp4_a16w4,mxfp4_wide", "--tokens", "1,5,40"]),
    # Model IR (torch-mlir's linalg-on-tensors), raised by moe-compile.
    ("model IR: Qwen3-MoE layer", "qwen3_moe.mlir", "check_model_ir.py", []),
    ("model IR: gpt-oss layer (expert biases)", "gpt_oss_moe.mlir",
     "check_model_ir.py", ["--gpt-oss"]),
    ("experts", "experts.mlir", "check_experts.py", []),
    ("layers", "layers.mlir", "check_layers.py", []),
    ("experts --no-optimize", "experts.direct.mlir", "check_experts.py", []),
    ("layers --no-optimize", "layers.direct.mlir", "check_layers.py", []),
    # One library for every T: its token buckets at T = 0 .. 1500.
    ("layers, one library for every T", "layers.buckets.mlir",
     "check_layers.py", ["--tokens", "0,1,3,17,64,300,1500"]),
    # EP: 4 ranks' pruned mixtral_like layers summed == the whole layer.
    ("prune", "layers.mlir", "check_prune.py",
     ["--pruned-lib", "{artifacts}/layers_ep4.{target}.so"]),
    # Mismatched dynamic sizes: the same error from the default and the
    # --no-optimize build (this folder's program: static weight shapes).
    ("size mismatch", "size_mismatch_gpu.mlir", "check_size_mismatch.py",
     ["--direct-lib", "{artifacts}/size_mismatch_gpu.direct.{target}.so"]),
    # TP2 on two GPUs (NCCL) == TP1 on one; a SKIP with fewer GPUs.
    ("tp2", "tp2_block.mlir", "check_tp.py",
     ["--tp1-lib", "{artifacts}/tp1_block.{target}.so"]),
    # The one-shot all_reduce + norm with 4 ranks sharing GPU 0.
    ("tp4 one-shot, 4 ranks on GPU 0", "one_shot_tp4.mlir",
     "check_one_shot_tp4.py", []),
]
# Programs whose plans only sm_90 runs (warpgroup MMAs, shared tiles): other targets
# neither build nor run them.
SM90_ONLY = {"grouped_matmul_warpgroup.mlir", "grouped_matmul_k_tile.mlir"}
# Built too: programs the checks use besides their own.
EXTRA_PROGRAMS = ["tp1_block.mlir", "size_mismatch_gpu.direct.mlir"]


def source(name):
    """A program or check script: this folder's, else test/Integration/CPU's,
    else test/Frontends' (model IR)."""
    for folder in (HERE, CPU):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            return path
    return os.path.join(FRONTENDS, name)


def library(artifacts, program, target):
    return os.path.join(artifacts, program.replace(".mlir", f".{target}.so"))


def build(args):
    os.makedirs(args.artifacts, exist_ok=True)
    compile_cmd = [args.moe_compile, f"--target={args.target}"] + \
        args.compile_flag
    for program in sorted({case[1] for case in CASES} | set(EXTRA_PROGRAMS)):
        if program in SM90_ONLY and args.target != "sm_90":
            continue
        out = library(args.artifacts, program, args.target)
        options = [f"--tokens={args.tokens}"]
        if program.endswith(".direct.mlir"):
            options.append("--no-optimize")
            program = program.replace(".direct.mlir", ".mlir")
        elif program.endswith(".buckets.mlir"):
            options = []
            program = program.replace(".buckets.mlir", ".mlir")
        subprocess.run(compile_cmd + options + [source(program), "-o", out],
                       check=True)
    pruned = os.path.join(args.artifacts, "layers_ep4.mlir")
    subprocess.run([args.moe_opt,
                    "--moe-prune-remote-experts=ep-size=4 reduce=false",
                    os.path.join(CPU, "layers.mlir"), "-o", pruned], check=True)
    subprocess.run(compile_cmd + [f"--tokens={args.tokens}", pruned, "-o", library(
        args.artifacts, "layers_ep4.mlir", args.target)], check=True)
    print(f"gpu-tests: built {len(CASES)} cases for {args.target} "
          f"into {args.artifacts}")


def size_check(args):
    """A call whose dynamic sizes disagree (combine: 6 routes, scale for
    2 x 4) is reported by the run-time size check, as on the CPU: exit 1."""
    import numpy as np
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        np.save(os.path.join(tmp, "routes.npy"),
                np.ones((6, 32), dtype=np.float32))
        np.save(os.path.join(tmp, "scale.npy"),
                np.ones((2, 4), dtype=np.float32))
        proc = subprocess.run(
            [args.checked_run, library(args.artifacts, "elementwise.mlir",
                                   args.target),
             "--backend", args.backend, "--entry", "combine",
             "--input", os.path.join(tmp, "routes.npy"),
             "--input", os.path.join(tmp, "scale.npy")],
            capture_output=True, text=True)
    want = ("run-time size check failed: moe.combine at", "expected 8, found 6")
    ok = proc.returncode == 1 and all(w in proc.stderr for w in want)
    print(f"{'PASS' if ok else 'FAIL'} run-time size check: "
          f"{proc.stderr.strip() or proc.stdout.strip()}")
    return ok


def counts(proc):
    """(passed, failed) of a check script's run, from its summary line; a
    run that stopped before its summary counts as one failure."""
    sys.stdout.write(proc.stdout + proc.stderr)
    summary = re.search(r"^(\d+) passed, (\d+) failed$", proc.stdout,
                        re.MULTILINE)
    passed, failed = (int(summary.group(1)), int(summary.group(2))) \
        if summary else (0, 0)
    if proc.returncode != 0 and failed == 0:
        failed = 1
    return passed, failed


def sanitized(moe_run, tool, folder):
    """A moe-run that runs under compute-sanitizer --tool `tool` and exits
    with 9 on any report (its own exit code otherwise), written to
    `folder`."""
    wrapper = os.path.join(folder, f"moe-run-{tool}")
    with open(wrapper, "w") as f:
        # --require-cuda-init no: runs that end before touching the GPU
        # (moe-run --list, a failed size check) are not errors.
        f.write("#!/bin/sh\nexec compute-sanitizer --tool "
                f"{tool} --require-cuda-init no --error-exitcode 9 "
                f"{os.path.abspath(moe_run)} "
                '"$@"\n')
    os.chmod(wrapper, 0o755)
    return wrapper


def run(args):
    passed = failed = 0
    if args.sanitize:
        import shutil
        import tempfile
        if not shutil.which("compute-sanitizer"):
            print("gpu-tests: --sanitize needs compute-sanitizer on PATH "
                  "(CUDA toolkit)")
            return 1
        args.checked_run = sanitized(args.moe_run, args.sanitize,
                                     tempfile.mkdtemp())
        print(f"gpu-tests: every moe-run under compute-sanitizer "
              f"--tool {args.sanitize}")
    else:
        args.checked_run = args.moe_run
    for name, program, script, extra in CASES:
        if args.only and args.only not in name:
            continue
        if program in SM90_ONLY and args.target != "sm_90":
            print(f"== {name}: skipped (sm_90 only)")
            continue
        extra = [e.format(artifacts=args.artifacts, target=args.target)
                 for e in extra]
        cmd = [sys.executable, source(script), "--lib",
               library(args.artifacts, program, args.target), "--moe-run",
               args.checked_run, "--backend", args.backend] + extra
        print(f"== {name}")
        p, f = counts(subprocess.run(cmd, capture_output=True, text=True))
        passed, failed = passed + p, failed + f
    if args.only:
        print(f"gpu-tests: {passed} passed, {failed} failed (cases with "
              f"'{args.only}')")
        return 1 if failed or not passed else 0
    backend_lib = os.path.join(os.path.dirname(os.path.abspath(args.moe_run)),
                               "..", "lib", f"libmoe_runtime_{args.backend}.so")
    has_torch = subprocess.run([sys.executable, "-c", "import torch"],
                               capture_output=True).returncode == 0
    python_checks = [
        ("tp2 from Python (join_group; peer_workspace, open_peers)",
         "check_tp_python.py", "tp2_block.mlir"),
        ("8 threads on 8 streams from Python (per-call checks)",
         "check_threads_python.py", "size_mismatch_gpu.mlir"),
        ("model IR through moe_mlir.torch_mlir.MoEMlirBackend",
         "check_torch_mlir_backend_gpu.py", "qwen3_moe.mlir"),
    ]
    for name, script, program in python_checks:
        print(f"== {name}")
        if not has_torch or args.backend != "cuda" or args.sanitize:
            print("SKIP: needs PyTorch and the cuda backend, and runs without "
                  "--sanitize (no moe-run to wrap)")
            continue
        p, f = counts(subprocess.run(
            [sys.executable, os.path.join(HERE, script),
             "--lib", library(args.artifacts, program, args.target),
             "--backend-lib", backend_lib], capture_output=True, text=True))
        passed, failed = passed + p, failed + f
    print("== size checks")
    if size_check(args):
        passed += 1
    else:
        failed += 1
    print(f"gpu-tests: {passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="store_true")
    parser.add_argument("--run", action="store_true")
    parser.add_argument("--artifacts", required=True)
    parser.add_argument("--target", default="sm_90")
    parser.add_argument("--tokens", type=int, default=16,
                        help="T for the tile cost model of the compiles")
    parser.add_argument("--backend", default="cuda")
    parser.add_argument("--moe-compile")
    parser.add_argument("--compile-flag", action="append", default=[],
                        help="extra moe-compile flag for --build, e.g. "
                             "--compile-flag=--gemm-loads=async-copy (repeatable)")
    parser.add_argument("--moe-opt")
    parser.add_argument("--moe-run")
    parser.add_argument("--sanitize",
                        choices=["memcheck", "racecheck", "synccheck"],
                        help="--run: every moe-run of the checks under "
                             "compute-sanitizer with this tool; a report "
                             "fails the check")
    parser.add_argument("--only", default="",
                        help="--run: only the cases whose name contains "
                             "this text (and not the Python and size checks)")
    args = parser.parse_args()
    if not args.build and not args.run:
        parser.error("expected --build, --run or both")
    if args.build:
        if not args.moe_compile or not args.moe_opt:
            parser.error("--build needs --moe-compile and --moe-opt")
        build(args)
    if args.run:
        if not args.moe_run:
            parser.error("--run needs --moe-run")
        return run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
