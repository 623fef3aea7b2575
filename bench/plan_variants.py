"""Compiles a program with one GEMM's kernel plan changed, for measuring
plans the planner does not pick (where bench/tune_plans.py's bf16 models
do not apply, e.g. quantized layers).

  python3 bench/plan_variants.py --moe-opt build/bin/moe-opt \\
      --moe-compile build/bin/moe-compile --program layer.mlir --tokens 1 \\
      --gemm 0 --set slices=8,unroll=2 -o layer.T1.sm_90.so

The program is planned as moe-compile plans it for sm_90 at T (moe-optimize,
moe-plan-kernels); the fields of `--set` replace those of the plan of the
GEMM numbered `--gemm` (in the order of the planned IR; GEMM1 is 0), and
the result is compiled with --no-optimize, so that moe-compile checks the
edited plan against the chip (an error names what does not fit). Prints the
plans of the library.
"""

import argparse
import re
import subprocess
import sys

PLAN = re.compile(r"plan <([^>]*)>")


def edit_plan(text, fields):
    """The plan text `text` ("block_n = 16, ...") with `fields` replaced;
    a field the plan does not name is an error."""
    items = [item.strip().split(" = ") for item in text.split(",")]
    names = [name for name, _ in items]
    for name in fields:
        if name not in names:
            sys.exit(f"plan_variants: the plan <{text}> has no field "
                     f"'{name}' (expected one of {', '.join(names)})")
    return ", ".join(f"{name} = {fields.get(name, value)}"
                     for name, value in items)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--moe-opt", required=True)
    parser.add_argument("--moe-compile", required=True)
    parser.add_argument("--program", required=True)
    parser.add_argument("--tokens", type=int, required=True)
    parser.add_argument("--gemm", type=int, default=0)
    parser.add_argument("--set", required=True,
                        help="field=value,... of the plan attribute")
    parser.add_argument("-o", dest="out", required=True)
    args = parser.parse_args()
    fields = dict(item.split("=", 1) for item in args.set.split(","))
    t = args.tokens
    planned = subprocess.run(
        [args.moe_opt, args.program, f"--moe-optimize=target=sm_90 tokens={t}",
         f"--moe-plan-kernels=target=sm_90 tokens={t}"],
        capture_output=True, text=True)
    if planned.returncode:
        sys.exit(f"plan_variants: moe-opt failed:\n{planned.stderr}")
    plans = list(PLAN.finditer(planned.stdout))
    if args.gemm >= len(plans):
        sys.exit(f"plan_variants: the planned program has {len(plans)} "
                 f"GEMM plans, expected more than --gemm {args.gemm}")
    m = plans[args.gemm]
    ir = (planned.stdout[:m.start(1)] + edit_plan(m.group(1), fields) +
          planned.stdout[m.end(1):])
    src = args.out + ".mlir"
    with open(src, "w") as f:
        f.write(ir)
    subprocess.run([args.moe_compile, src, "--no-optimize", "--target=sm_90",
                    f"--tokens={t}", "-o", args.out], check=True)
    for p in PLAN.finditer(ir):
        print(f"{args.out}: plan <{p.group(1)}>")


if __name__ == "__main__":
    main()
