"""The fused one-shot all_reduce + residual + RMSNorm against NCCL's
all_reduce + the norm kernel, and a TP decoder block with either, on N GPUs
of one machine (the multi-GPU issue's benchmark).

Build the libraries where moe-compile is (here, or the GPU machine with the
bundle), then run them on the GPU machine:

  python3 bench/allreduce_norm_bench.py build --moe-compile MOE_COMPILE \\
      --ranks 2,4,8 --out DIR
  python3 bench/allreduce_norm_bench.py run --moe-run MOE_RUN --libs DIR \\
      --ranks 2 [--hidden 3072,4096,7168] [--tokens 1,2,...,512] \\
      [--calls 200] [--same-device] [--out RESULTS]

`run` starts one moe-run per rank (rank r on GPU r; --same-device puts every
rank on GPU 0, which checks the script on one GPU but times nothing useful:
the ranks' kernels take turns). Each configuration runs twice in the same
invocation: with peer workspaces (the one-shot kernel) and with
`--one-shot-mib 0` (NCCL + norm; not with --same-device, where NCCL refuses
two ranks on one GPU). A time is the slowest rank's mean per call
after a warm-up call (moe-run --bench: device events). Bus bandwidth follows
nccl-tests' all_reduce convention: bytes / time * 2 (N - 1) / N. Writes
RESULTS.md and RESULTS.json (default allreduce_norm_N<ranks>).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

HIDDEN = (3072, 4096, 7168)
TOKENS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
# The TP block: Qwen3-235B-A22B's MoE shapes (E = 128, k = 8, I = 1536
# split over the ranks) behind an attention output projection of 4096.
BLOCK_HIDDEN, BLOCK_EXPERTS, BLOCK_TOP_K, BLOCK_INTER = 4096, 128, 8, 1536


def norm_program(ranks, hidden):
    """One entry per hidden size: the fused op alone."""
    entries = []
    for h in hidden:
        t = f"tensor<?x{h}xbf16>"
        entries.append(f"""
  func.func @ar_norm_{h}(%x: {t}, %res: {t}, %w: tensor<{h}xbf16>) -> ({t}, {t}) {{
    %n, %r = moe.all_reduce_add_rms_norm %x, %res, %w group "tp" eps 1.0e-06 offset 1.0
        : {t}, tensor<{h}xbf16>
    return %n, %r : {t}, {t}
  }}""")
    return ("module attributes {moe.parallel = #moe.parallel<tp = %d>} {%s\n}\n"
            % (ranks, "".join(entries)))


def block_program(ranks):
    """A TP decoder block as moe-optimize sees it: the attention output
    projection (linalg) leaves a partial sum, all-reduced into the residual
    and normalized; the router and the experts (I / ranks columns each);
    the MoE's partial sum all-reduced into the next layer's norm. With
    --moe-defer-allreduce (moe-compile's default pipeline) both all_reduce +
    add + norm become moe.all_reduce_add_rms_norm."""
    h, e, k = BLOCK_HIDDEN, BLOCK_EXPERTS, BLOCK_TOP_K
    i = BLOCK_INTER // ranks
    a = h // ranks
    t = f"tensor<?x{h}xbf16>"
    return f"""module attributes {{moe.parallel = #moe.parallel<tp = {ranks}>}} {{
  func.func @tp_block(%heads: tensor<?x{a}xbf16>, %wo: tensor<{a}x{h}xbf16>,
                      %residual: {t}, %norm1_w: tensor<{h}xbf16>,
                      %norm2_w: tensor<{h}xbf16>, %router_w: tensor<{h}x{e}xbf16>,
                      %w1: tensor<{e}x{2 * i}x{h}xbf16>,
                      %w2: tensor<{e}x{h}x{i}xbf16>) -> ({t}, {t}) {{
    %c0 = arith.constant 0 : index
    %zero = arith.constant 0.0 : f32
    %zbf = arith.constant 0.0 : bf16
    %tokens = tensor.dim %heads, %c0 : tensor<?x{a}xbf16>
    %o_init = tensor.empty(%tokens) : {t}
    %o_acc = linalg.fill ins(%zbf : bf16) outs(%o_init : {t}) -> {t}
    %attn_partial = linalg.matmul ins(%heads, %wo : tensor<?x{a}xbf16>, tensor<{a}x{h}xbf16>)
                                  outs(%o_acc : {t}) -> {t}
    %attn = moe.all_reduce %attn_partial group "tp" : {t}
    %h1 = arith.addf %attn, %residual : {t}
    %n1 = moe.rms_norm %h1, %norm1_w eps 1.0e-06 : {t}, tensor<{h}xbf16>
    %init = tensor.empty(%tokens) : tensor<?x{e}xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<?x{e}xf32>) -> tensor<?x{e}xf32>
    %logits = linalg.matmul ins(%n1, %router_w : {t}, tensor<{h}x{e}xbf16>)
                            outs(%acc : tensor<?x{e}xf32>) -> tensor<?x{e}xf32>
    %weights, %ids = moe.gate %logits top_k {k} softmax renormalize
        : tensor<?x{e}xf32> -> tensor<?x{k}xf32>, tensor<?x{k}xi32>
    %moe_partial = moe.experts %n1, %w1, %w2, %weights, %ids activation <silu_mul>
        : ({t}, tensor<{e}x{2 * i}x{h}xbf16>, tensor<{e}x{h}x{i}xbf16>,
           tensor<?x{k}xf32>, tensor<?x{k}xi32>) -> {t}
    %moe_out = moe.all_reduce %moe_partial group "tp" : {t}
    %h2 = arith.addf %moe_out, %h1 : {t}
    %next = moe.rms_norm %h2, %norm2_w eps 1.0e-06 : {t}, tensor<{h}xbf16>
    return %next, %h2 : {t}, {t}
  }}
}}
"""


def build(args):
    os.makedirs(args.out, exist_ok=True)
    for ranks in [int(r) for r in args.ranks.split(",")]:
        for name, text in ((f"ar_norm.tp{ranks}", norm_program(ranks, HIDDEN)),
                           (f"tp_block.tp{ranks}", block_program(ranks))):
            src = os.path.join(args.out, name + ".mlir")
            with open(src, "w") as f:
                f.write(text)
            lib = os.path.join(args.out, name + ".sm_90.so")
            print(f"building {lib}", flush=True)
            subprocess.run([args.moe_compile, src, "--target=sm_90", "-o",
                            lib], check=True)


TIME = re.compile(r"time per call: ([0-9.]+) ms")


def time_ranks(args, lib, entry, tokens, extra):
    """The slowest rank's ms per call of `entry` at T = `tokens`."""
    with tempfile.TemporaryDirectory() as tmp:
        procs = []
        for r in range(args.ranks):
            cmd = [args.moe_run, lib, "--entry", entry, "--backend", "cuda",
                   "--random-inputs", "--seed", str(r), "--dim",
                   f"T={tokens}", "--bench", str(args.calls), "--ranks",
                   str(args.ranks), "--rank", str(r), "--comm-file",
                   os.path.join(tmp, "comm"), *extra]
            device = 0 if args.same_device else r
            procs.append(subprocess.Popen(
                cmd, env=dict(os.environ, MOE_CUDA_DEVICE=str(device)),
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
        times = []
        try:
            for r, proc in enumerate(procs):
                out, _ = proc.communicate(timeout=args.timeout)
                match = TIME.search(out)
                if proc.returncode != 0 or not match:
                    raise SystemExit(f"{entry} T={tokens} {extra}: rank {r} "
                                     f"exited with {proc.returncode}:\n{out}")
                times.append(float(match.group(1)))
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
        return max(times)


def nccl_time(args, lib, entry, tokens):
    """time_ranks without peer workspaces (NCCL + norm); NaN with
    --same-device, where NCCL refuses two ranks on one GPU."""
    if args.same_device:
        return float("nan")
    return time_ranks(args, lib, entry, tokens, ["--one-shot-mib", "0"])


def bus_gbps(hidden, tokens, ranks, ms):
    """nccl-tests' bus bandwidth of an all_reduce of T x H bf16."""
    size = 2 * hidden * tokens
    return size / (ms * 1e-3) * 2 * (ranks - 1) / ranks / 1e9


def run(args):
    out = args.out or f"allreduce_norm_N{args.ranks}"
    lib = os.path.join(args.libs, f"ar_norm.tp{args.ranks}.sm_90.so")
    block = os.path.join(args.libs, f"tp_block.tp{args.ranks}.sm_90.so")
    rows = []
    hidden = [int(h) for h in args.hidden.split(",")]
    tokens = [int(t) for t in args.tokens.split(",")]
    for h in hidden:
        for t in tokens:
            fused = time_ranks(args, lib, f"ar_norm_{h}", t, [])
            nccl = nccl_time(args, lib, f"ar_norm_{h}", t)
            rows.append({"what": "all_reduce + norm", "hidden": h,
                         "tokens": t, "fused_us": fused * 1e3,
                         "nccl_norm_us": nccl * 1e3,
                         "fused_busbw_gbps": bus_gbps(h, t, args.ranks, fused),
                         "nccl_busbw_gbps": bus_gbps(h, t, args.ranks, nccl)})
            print(json.dumps(rows[-1]), flush=True)
    if os.path.exists(block):
        for t in tokens:
            fused = time_ranks(args, block, "tp_block", t, [])
            nccl = nccl_time(args, block, "tp_block", t)
            rows.append({"what": "TP block", "hidden": BLOCK_HIDDEN,
                         "tokens": t, "fused_us": fused * 1e3,
                         "nccl_norm_us": nccl * 1e3})
            print(json.dumps(rows[-1]), flush=True)
    with open(out + ".json", "w") as f:
        json.dump({"ranks": args.ranks, "same_device": args.same_device,
                   "calls": args.calls, "rows": rows}, f, indent=1)
    with open(out + ".md", "w") as f:
        f.write(f"{args.ranks} ranks"
                + (" sharing GPU 0 (timings not meaningful)"
                   if args.same_device else ", one GPU each") + "\n\n")
        f.write("| what | H | T | one-shot us | NCCL + norm us | speedup "
                "| one-shot busbw GB/s | NCCL busbw GB/s |\n")
        f.write("|---|---|---|---|---|---|---|---|\n")
        for r in rows:
            f.write(f"| {r['what']} | {r['hidden']} | {r['tokens']} "
                    f"| {r['fused_us']:.1f} | {r['nccl_norm_us']:.1f} "
                    f"| {r['nccl_norm_us'] / r['fused_us']:.2f}x "
                    f"| {r.get('fused_busbw_gbps', float('nan')):.1f} "
                    f"| {r.get('nccl_busbw_gbps', float('nan')):.1f} |\n")
    print(f"wrote {out}.md and {out}.json")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write and compile the programs")
    b.add_argument("--moe-compile", required=True)
    b.add_argument("--ranks", default="2,4,8",
                   help="group sizes to build for (comma-separated)")
    b.add_argument("--out", required=True)
    r = sub.add_parser("run", help="time them on this machine's GPUs")
    r.add_argument("--moe-run", required=True)
    r.add_argument("--libs", required=True, help="build's --out")
    r.add_argument("--ranks", type=int, default=2)
    r.add_argument("--hidden", default=",".join(map(str, HIDDEN)))
    r.add_argument("--tokens", default=",".join(map(str, TOKENS)))
    r.add_argument("--calls", type=int, default=200,
                   help="timed calls per run (after one warm-up)")
    r.add_argument("--same-device", action="store_true",
                   help="every rank on GPU 0 (a check of the script only)")
    r.add_argument("--timeout", type=int, default=300,
                   help="seconds a rank may take")
    r.add_argument("--out", help="results prefix (writes .md and .json)")
    args = parser.parse_args()
    build(args) if args.command == "build" else run(args)


if __name__ == "__main__":
    sys.exit(main())
