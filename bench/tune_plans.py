"""Measures candidate GEMM kernel plans (#moe.gemm_plan) on the GPU.

Two steps, one per machine:

  # where MLIR is (builds one library per model and T, every candidate an
  # entry of it):
  python3 bench/tune_plans.py build --moe-opt build/bin/moe-opt \
      --moe-compile build/bin/moe-compile --out DIR [--models M,..] \
      [--tokens 1,16,..] [--target sm_90] [--loads warpgroup_tiles,..]
  # on the GPU machine:
  python3 bench/tune_plans.py run --dir DIR \
      --backend build-runtime/lib/libmoe_runtime_cuda.so --out OUTDIR

`build` plans each layer as moe-compile does (moe-optimize for the target
and T, then moe-plan-kernels), and writes, besides the planner's entry
`moe`, one entry per candidate plan of one of its GEMMs (the other GEMM
keeps the planner's plan): the candidates change one decision at a time
(block_n, the waves over columns and K, column group, loads and their
stages or unrolling) and a few pairs of them. Candidates that
moe-plan-kernels rejects for the chip are left out. DIR/tune.json lists
the cases and their entries.

`table` (where MLIR is) turns a `run`'s results into the planner's table,
lib/Conversion/MoEToGPU/TunedPlans.inc: per case and GEMM, the best
candidate that beat the planner's plan by at least --min-gain, keyed by
the chip, the token count and the GEMM's problem (E, k, block_m, weight
rows, K, gated, summed routes, element bytes), which it reads from the planned IR:

  python3 bench/tune_plans.py table --moe-opt build/bin/moe-opt \
      --results OUTDIR/tune.json --out lib/Conversion/MoEToGPU/TunedPlans.inc

`run` times every entry of a case in a CUDA graph cycling 8 routings (as
bench/moe_bench.py does), checks each output against an fp32 reference
(relative error < 2e-2, else the candidate is marked wrong), and writes
OUTDIR/tune.json (every time) and OUTDIR/tune.md (per case and GEMM: the
planner's time, the best candidate's time and plan).
"""

import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from models import MODELS, TOKENS, program  # noqa: E402

PLAN = re.compile(r"plan <([^>]*)>")
FIELDS = ("block_n", "waves_n", "slices", "group", "row_group")
# Loads whose plans name `unroll` (the others name `stages`).
UNROLLED = ("registers", "row_dot")


def parse_plan(text):
    plan = {}
    for item in text.split(","):
        key, _, value = item.partition("=")
        value = value.strip()
        plan[key.strip()] = int(value) if value.isdigit() else value
    return plan


def spell(plan):
    keys = list(FIELDS) + ["loads"]
    keys.append("unroll" if plan["loads"] in UNROLLED else "stages")
    if "k_tile" in plan:
        keys.append("k_tile")
    return ", ".join(f"{k} = {plan[k]}" for k in keys)


def candidates(base):
    """Plans near `base`: one decision changed at a time, then a few pairs.
    Some are invalid for the problem; moe-plan-kernels weeds them out."""
    out = []

    def add(**change):
        plan = dict(base)
        plan.update(change)
        if plan["loads"] != "shared_tiles":
            plan.pop("k_tile", None)
        if plan["loads"] not in UNROLLED:
            plan.pop("unroll", None)
            plan.setdefault("stages", 3)
        else:
            plan.pop("stages", None)
            plan.setdefault("unroll", 1)
        if plan != base and plan not in out:
            out.append(plan)

    bn = base["block_n"]
    regs = ({}, {"loads": "registers", "unroll": 4},
            {"loads": "registers", "unroll": 8})
    for scale in (0.25, 0.5, 2):
        n = int(bn * scale)
        for wn in (2, 4, 8):
            for g in (1, 2):
                for loads in regs[:2]:
                    add(block_n=n, waves_n=wn, group=g, **loads)
    for wn in (1, 2, 4, 8):
        for sl in (2, 4, 8, 16):
            if wn * sl <= 16:
                for loads in regs:
                    add(waves_n=wn, slices=sl, row_group=1, group=1, **loads)
    for g in (1, 2, 4, 8):
        add(group=g)
    for rg in (1, 2, 4, 8):
        add(row_group=rg)
    for u in (2, 4, 8, 16):
        add(loads="registers", unroll=u)
    for st in (2, 3, 4):
        add(loads="async_copy", stages=st)
    # Shared tiles (sm_90): one wave holds all its column tiles, no slices
    # (row groups that do not divide block_m are weeded out too).
    for n in (bn // 2, bn, bn * 2):
        for wn in (1, 2, 4, 8):
            for rg in (1, 2, 4):
                if n % (8 * wn) == 0:
                    for st in ((2, 3, 4) if n == bn else (3,)):
                        add(loads="shared_tiles", block_n=n, waves_n=wn,
                            slices=1, group=n // 8 // wn, row_group=rg,
                            stages=st)
                    # 256-byte runs of each weight row per stage (k tile
                    # 128; the model takes 64).
                    for st in (2, 3):
                        add(loads="shared_tiles", block_n=n, waves_n=wn,
                            slices=1, group=n // 8 // wn, row_group=rg,
                            stages=st, k_tile=128)
    # Warpgroup tiles (sm_90a wgmma): 64-row tiles per warpgroup, so
    # row_group counts 64-row tiles per warpgroup (block_m = 64 x row_group
    # x warpgroups over the rows); rings up to the SM's shared memory.
    for n in (bn // 2, bn, bn * 2, bn * 4):
        for wn in (1, 2):
            for rg in (1, 2):
                if n % (8 * wn) == 0:
                    for st in (2, 3, 4):
                        add(loads="warpgroup_tiles", block_n=n, waves_n=wn,
                            slices=1, group=n // 8 // wn, row_group=rg,
                            stages=st)
    # Row dot products (decode without MMAs): columns per step (group),
    # steps' runs (unroll), waves, and one or four groups per wave; and a
    # row's runs split over 2 or 4 slices of waves.
    for wn in (4, 8):
        for g in (1, 2, 4, 8):
            for per_wave in (1, 4):
                for u in (1, 2, 4):
                    add(loads="row_dot", block_n=wn * g * per_wave,
                        waves_n=wn, slices=1, group=g, row_group=1, unroll=u)
    for wn in (2, 4):
        for g in (1, 2):
            for sl in (2, 4):
                add(loads="row_dot", block_n=wn * g, waves_n=wn, slices=sl,
                    group=g, row_group=1, unroll=1)
    return out


def run_tool(args, stdin=None):
    return subprocess.run(args, input=stdin, capture_output=True, text=True)


def planned_ir(moe_opt, name, t, target):
    """The benchmark layer `name` after moe-optimize and moe-plan-kernels
    for `target` at T = t, as moe-compile plans it."""
    planned = run_tool([moe_opt, "-",
                        f"--moe-optimize=target={target} tokens={t}",
                        f"--moe-plan-kernels=target={target} tokens={t}"],
                       stdin=program(name))
    if planned.returncode:
        sys.exit(f"{name} T={t}: moe-opt failed:\n{planned.stderr}")
    return planned.stdout


GEMM = re.compile(r"moe\.grouped_matmul .* top_k (\d+) block_m (\d+)(.*?) : "
                  r"\(tensor<[^>]*>, tensor<(\d+)x(\d+)x(\d+)x(bf16|f16)>")


def problems(ir):
    """The problem of each grouped GEMM of `ir`, in order."""
    out = []
    for m in GEMM.finditer(ir):
        out.append({"top_k": int(m.group(1)), "block_m": int(m.group(2)),
                    "gated": " activation <" in m.group(3),
                    "summed": " sum_routes" in m.group(3),
                    "experts": int(m.group(4)), "rows": int(m.group(5)),
                    "depth": int(m.group(6)), "bytes": 2})
    return out


def build(args):
    os.makedirs(args.out, exist_ok=True)
    cases = []
    for name in args.models.split(","):
        for t in map(int, args.tokens.split(",")):
            ir = planned_ir(args.moe_opt, name, t, args.target)
            # The module's ops, the function, and the module's closing brace.
            head, sep, rest = ir.partition("func.func @moe(")
            body, _, tail = (sep + rest).rstrip().rpartition("}")
            tail = "}" + tail + "\n"
            plans = list(PLAN.finditer(body))
            entries = [{"entry": "moe", "gemm": None,
                        "plan": [m.group(1) for m in plans]}]
            funcs = [body]
            for g, m in enumerate(plans):
                base = parse_plan(m.group(1))
                for plan in candidates(base):
                    if args.loads and plan["loads"] not in \
                            args.loads.split(","):
                        continue
                    text = body[:m.start()] + f"plan <{spell(plan)}>" + \
                        body[m.end():]
                    entry = f"moe_g{g}_{len(entries)}"
                    text = text.replace("func.func @moe(",
                                        f"func.func @{entry}(", 1)
                    check = run_tool([args.moe_opt, "-",
                                      f"--moe-plan-kernels=target={args.target}"],
                                     stdin=head + text + tail)
                    if check.returncode:
                        continue
                    entries.append({"entry": entry, "gemm": g,
                                    "plan": spell(plan)})
                    funcs.append(text)
            src = os.path.join(args.out, f"{name}.T{t}.tune.mlir")
            with open(src, "w") as f:
                f.write(head + "\n".join(funcs) + tail)
            lib = f"{name}.T{t}.tune.{args.target}.so"
            done = run_tool([args.moe_compile, src, "--no-optimize",
                             f"--target={args.target}", "-o",
                             os.path.join(args.out, lib)])
            if done.returncode:
                sys.exit(f"{src}: moe-compile failed:\n{done.stderr}")
            cases.append({"model": name, "T": t, "lib": lib,
                          "entries": entries})
            print(f"built {lib}: {len(entries)} entries", flush=True)
    with open(os.path.join(args.out, "tune.json"), "w") as f:
        json.dump({"target": args.target, "cases": cases}, f, indent=1)


def run(args):
    import torch
    import triton.testing
    sys.path.insert(0, os.path.join(HERE, "..", "python"))
    from moe_bench import (layer_weights, random_routings,  # noqa: E402
                           rel_err, torch_loop)
    from moe_mlir import GPULibrary  # noqa: E402

    with open(os.path.join(args.dir, "tune.json")) as f:
        spec = json.load(f)
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)
    results = []
    # One line per measurement as it is made (a run cut short keeps them).
    log = open(os.path.join(args.out, "tune.jsonl"), "w")
    for case in spec["cases"]:
        name, t = case["model"], case["T"]
        h, e, k = MODELS[name][0], MODELS[name][2], MODELS[name][3]
        act, w1, w2 = layer_weights(name)
        x = torch.randn(t, h, device="cuda").to(torch.bfloat16)
        routings = random_routings(t, e, k, 8)
        ids, weights = routings[0]
        ref = torch_loop(x, w1, w2, weights, ids, act, torch.float32)
        lib = GPULibrary(os.path.join(args.dir, case["lib"]), args.backend)
        for entry in case["entries"]:
            (y,) = lib.call(entry["entry"], x, w1, w2, weights, ids)
            err = rel_err(y, ref)
            runs = [lib.launcher(entry["entry"], x, w1, w2, w, i)
                    for i, w in routings]
            state = {"i": 0}

            def step():
                runs[state["i"] % len(runs)]()
                state["i"] += 1
            us = triton.testing.do_bench_cudagraph(
                step, rep=50, return_mode="median") * 1e3
            lib.check()
            results.append({"model": name, "T": t, "entry": entry["entry"],
                            "gemm": entry["gemm"], "plan": entry["plan"],
                            "us": us, "err": err, "ok": err < 2e-2})
            print(json.dumps(results[-1]), file=log, flush=True)
        mine = [r for r in results if (r["model"], r["T"]) == (name, t)]
        best = min((r for r in mine if r["ok"]), key=lambda r: r["us"])
        print(f"{name} T={t}: {len(mine)} entries, planner "
              f"{mine[0]['us']:.1f} us, best {best['us']:.1f} us "
              f"({best['entry']})", flush=True)
        del lib
    with open(os.path.join(args.out, "tune.json"), "w") as f:
        json.dump({"gpu": torch.cuda.get_device_name(),
                   "target": spec["target"], "results": results}, f, indent=1)
    write_summary(os.path.join(args.out, "tune.md"), results)


def write_summary(path, results):
    lines = ["| model | T | GEMM | planner µs | best µs | best / planner | "
             "planner's plan | best plan |", "|---|---|---|---|---|---|---|---|"]
    for key in sorted({(r["model"], r["T"]) for r in results}):
        rows = [r for r in results if (r["model"], r["T"]) == key]
        base = next(r for r in rows if r["gemm"] is None)
        for g, plan in enumerate(base["plan"]):
            tried = [r for r in rows if r["gemm"] == g and r["ok"]]
            best = min(tried, key=lambda r: r["us"]) if tried else base
            if best["us"] > base["us"]:
                best = base
            lines.append(
                f"| {key[0]} | {key[1]} | {g + 1} | {base['us']:.1f} | "
                f"{best['us']:.1f} | {best['us'] / base['us']:.2f} | {plan} | "
                f"{plan if best is base else best['plan']} |")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


def winners(results, min_gain, one_gemm):
    """Per case (model, T): the GEMMs whose best candidate beat the
    planner's plan by min_gain, with that candidate and the planner's run;
    with one_gemm, only the GEMM that gained most (so that the table's plan
    set for the case is one that was timed as a whole)."""
    out = []
    for key in sorted({(r["model"], r["T"]) for r in results}):
        rows = [r for r in results if (r["model"], r["T"]) == key]
        base = next(r for r in rows if r["gemm"] is None)
        found = []
        for g in range(len(base["plan"])):
            tried = [r for r in rows if r["gemm"] == g and r["ok"]]
            if tried:
                best = min(tried, key=lambda r: r["us"])
                if best["us"] <= (1 - min_gain) * base["us"]:
                    found.append((key, g, best, base))
        if one_gemm and found:
            found = [min(found, key=lambda w: w[2]["us"])]
        out += found
    return out


def table(args):
    lines = ["// Generated by bench/tune_plans.py table; edit by tuning again.",
             "// chip, tokens, experts, top_k, block_m, weight rows, K, gated, "
             "summed routes,",
             "// element bytes;",
             "// then block_n, waves_n, slices, group, row_group, loads, "
             "stages, unroll, k tile (0: the model's).",
             "// The comment: the run, and the layer's time with the "
             "planner's plans and with",
             "// this one (the other GEMM's plan unchanged)."]
    sources = [(path, False) for path in args.results] + \
        [(path, True) for path in args.results_one_gemm]
    for path, one_gemm in sources:
        with open(path) as f:
            spec = json.load(f)
        target = spec["target"]
        for key, g, best, base in winners(spec["results"], args.min_gain,
                                          one_gemm):
            p = problems(planned_ir(args.moe_opt, key[0], key[1], target))[g]
            plan = parse_plan(best["plan"])
            loads = {"registers": "Registers", "async_copy": "AsyncCopy",
                     "shared_tiles": "SharedTiles",
                     "warpgroup_tiles": "WarpgroupTiles",
                     "row_dot": "RowDot"}[plan["loads"]]
            lines.append(
                f"MOE_TUNED_PLAN(\"{target}\", {key[1]}, {p['experts']}, "
                f"{p['top_k']}, {p['block_m']}, {p['rows']}, {p['depth']}, "
                f"{str(p['gated']).lower()}, {str(p['summed']).lower()}, "
                f"{p['bytes']}, {plan['block_n']}, "
                f"{plan['waves_n']}, {plan['slices']}, {plan['group']}, "
                f"{plan['row_group']}, "
                f"{loads}, "
                f"{plan.get('stages', 0)}, {plan.get('unroll', 1)}, "
                f"{plan.get('k_tile', 0)}) "
                f"// {os.path.basename(os.path.dirname(path))}: {key[0]} "
                f"GEMM{g + 1}: {base['us']:.1f} -> {best['us']:.1f} us")
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {args.out}: {len(lines) - 6} plans")


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="step", required=True)
    b = sub.add_parser("build")
    b.add_argument("--moe-opt", required=True)
    b.add_argument("--moe-compile", required=True)
    b.add_argument("--out", required=True)
    b.add_argument("--models", default=",".join(MODELS))
    b.add_argument("--tokens", default=",".join(map(str, TOKENS)))
    b.add_argument("--target", default="sm_90")
    b.add_argument("--loads", default="",
                   help="only candidates with these loads (comma-separated, "
                        "e.g. warpgroup_tiles); default: all")
    r = sub.add_parser("run")
    r.add_argument("--dir", required=True)
    r.add_argument("--backend", required=True)
    r.add_argument("--out", required=True)
    t = sub.add_parser("table")
    t.add_argument("--moe-opt", required=True)
    t.add_argument("--results", action="append", default=[],
                   help="a run's tune.json (repeatable)")
    t.add_argument("--results-one-gemm", action="append", default=[],
                   help="a run's tune.json of which each case keeps only "
                        "its best GEMM's plan: the combination of the two "
                        "GEMMs' winners was not timed (repeatable)")
    t.add_argument("--out", required=True)
    t.add_argument("--min-gain", type=float, default=0.03,
                   help="keep a plan that is at least this much faster "
                        "(fraction of the layer's time)")
    args = parser.parse_args()
    {"build": build, "run": run, "table": table}[args.step](args)


if __name__ == "__main__":
    main()
