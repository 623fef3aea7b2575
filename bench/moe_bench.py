"""The MoE benchmark: moe-mlir's sm_90 layer libraries (bench/build.py) vs
PyTorch and Triton baselines, measured side by side on one GPU.

  python3 bench/moe_bench.py --artifacts DIR/bench \
      --backend build-runtime/lib/libmoe_runtime_cuda.so --out bench/results

Per model of bench/models.py and token count T: the routed-expert layer
(vLLM's fused_experts contract: x, w1, w2, topk_weights, topk_ids -> y) with
uniform random routing (k distinct experts per token). moe-mlir and Triton are
timed as a serving engine runs a layer: a CUDA graph of back-to-back calls
that cycle through 8 routings (so consecutive calls touch different experts),
median µs per call (triton.testing.do_bench_cudagraph). The PyTorch baselines
synchronize inside (nonzero, bincount) and cannot be captured: they are timed
eagerly (do_bench, L2 flushed before each call), and compared with moe-mlir's
eager time. Reported per case: µs per call, the expert weight bytes the
routings touch / time (GB/s), that as % of the HBM roofline (datasheet
bandwidth, and the copy bandwidth measured in the same run), and the ratio of
each baseline's time to ours. Every implementation's output is compared with
an fp32 reference (relative Frobenius error).

Baselines: "torch loop" (per-expert torch matmuls, the textbook version),
"grouped_mm" (torch._grouped_mm over expert-sorted rows, where the torch
build has it) and "triton" (bench/triton_moe.py, best of its tile configs,
alignment excluded from its time; moe-mlir's time includes its alignment).
"""

import argparse
import json
import os
import sys

import torch
import triton.testing

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "python"))
from models import MODELS, SWIGLU, TOKENS  # noqa: E402
import triton_moe  # noqa: E402
from report import plot, write_table  # noqa: E402
from moe_mlir import GPULibrary  # noqa: E402

DATASHEET_BW = {"H100": 3.35e12, "H200": 4.8e12}


def activation(kind, layout):
    def act(h):
        half = h.shape[-1] // 2
        if layout == "split":
            g, u = h[..., :half], h[..., half:]
        else:
            g, u = h[..., 0::2], h[..., 1::2]
        g, u = g.float(), u.float()
        if kind == "silu_mul":
            out = torch.nn.functional.silu(g) * u
        else:
            alpha, beta, limit = SWIGLU
            g = g.clamp(max=limit)
            u = u.clamp(-limit, limit)
            out = (u + beta) * g * torch.sigmoid(alpha * g)
        return out.to(h.dtype)
    return act


def torch_loop(x, w1, w2, weights, ids, act, dtype=None):
    """Per-expert matmuls; with dtype=float32 the reference."""
    dtype = dtype or x.dtype
    y = torch.zeros(x.shape, dtype=torch.float32, device=x.device)
    for e in ids.unique().tolist():
        tok, slot = (ids == e).nonzero(as_tuple=True)
        h = x[tok].to(dtype) @ w1[e].to(dtype).t()
        o = act(h) @ w2[e].to(dtype).t()
        y.index_add_(0, tok, o.float() * weights[tok, slot, None])
    return y.to(x.dtype)


def grouped_mm(x, w1, w2, weights, ids, act):
    k = ids.shape[1]
    flat = ids.reshape(-1)
    order = torch.argsort(flat, stable=True)
    offs = torch.cumsum(torch.bincount(flat, minlength=w1.shape[0]), 0)
    offs = offs.to(torch.int32)
    tok = order // k
    h = torch._grouped_mm(x[tok], w1.transpose(1, 2), offs=offs)
    o = torch._grouped_mm(act(h), w2.transpose(1, 2), offs=offs)
    o = o.float() * weights.reshape(-1)[order, None]
    y = torch.zeros(x.shape, dtype=torch.float32, device=x.device)
    return y.index_add_(0, tok, o).to(x.dtype)


def layer_weights(name):
    """The activation of model `name` and random bf16 expert weights w1
    [E, 2I, H], w2 [E, H, I], scaled so that activations stay O(1)."""
    h, inter, e, k, kind, layout, _ = MODELS[name]
    w1 = (torch.randn(e, 2 * inter, h, device="cuda") * h ** -0.5).to(
        torch.bfloat16)
    w2 = (torch.randn(e, h, inter, device="cuda") * inter ** -0.5).to(
        torch.bfloat16)
    return activation(kind, layout), w1, w2


def random_routings(t, e, k, n):
    """`n` uniform random routings of t tokens: (ids [t, k] i32, k distinct
    experts of e per token; softmax weights [t, k])."""
    routings = []
    for _ in range(n):
        ids = torch.rand(t, e, device="cuda").argsort(dim=1)[:, :k]
        weights = torch.softmax(torch.randn(t, k, device="cuda"), 1)
        routings.append((ids.to(torch.int32).contiguous(), weights))
    return routings


def rel_err(got, want):
    got, want = got.float(), want.float()
    return float((got - want).norm() / want.norm())


# Routings per case: graph timings cycle through them, so that consecutive
# calls touch different experts (the L2 cannot serve one call's weights from
# the previous call's).
ROUTINGS = 8


def bench(fn):
    """Eager: median µs per call, L2 flushed before each, launched from
    Python (host launch costs included where the GPU outruns them)."""
    return triton.testing.do_bench(fn, warmup=25, rep=100,
                                   return_mode="median") * 1e3


def bench_graph(fns):
    """CUDA graph of back-to-back calls cycling through `fns` (one per
    routing): median µs per call, as a serving engine replays a layer."""
    state = {"i": 0}

    def step():
        fns[state["i"] % len(fns)]()
        state["i"] += 1
    return triton.testing.do_bench_cudagraph(step, rep=100,
                                             return_mode="median") * 1e3


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--artifacts", required=True)
    parser.add_argument("--backend", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--tokens", default=",".join(map(str, TOKENS)))
    parser.add_argument("--target", default="sm_90")
    parser.add_argument("--skip-baselines", action="store_true",
                        help="time moe-mlir only (comparing builds of it)")
    parser.add_argument("--variant", action="append", default=[],
                        metavar="NAME=DIR",
                        help="another moe-mlir build (bench/build.py "
                             "--compile-flag ...) timed in the same run, "
                             "checked against the same reference "
                             "(repeatable)")
    args = parser.parse_args()
    variants = []
    for spec in args.variant:
        vname, sep, vdir = spec.partition("=")
        if not sep or not vname or not vdir:
            parser.error(f"--variant expects NAME=DIR, got '{spec}'")
        variants.append((vname, vdir))
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)
    gpu = torch.cuda.get_device_name()
    datasheet = next((bw for name, bw in DATASHEET_BW.items() if name in gpu),
                     None)
    src = torch.empty(1 << 30, dtype=torch.uint8, device="cuda")
    dst = torch.empty_like(src)
    copy_bw = 2 * src.numel() / (bench(lambda: dst.copy_(src)) * 1e-6)
    del src, dst
    print(f"# {gpu}: copy bandwidth {copy_bw / 1e12:.2f} TB/s (datasheet "
          f"{datasheet / 1e12 if datasheet else float('nan'):.2f} TB/s)",
          flush=True)
    has_grouped_mm = hasattr(torch, "_grouped_mm")
    rows = []
    for name in args.models.split(","):
        h, inter, e, k = MODELS[name][:4]
        act, w1, w2 = layer_weights(name)
        expert_bytes = (w1[0].numel() + w2[0].numel()) * 2
        for t in map(int, args.tokens.split(",")):
            x = torch.randn(t, h, device="cuda").to(torch.bfloat16)
            routings = random_routings(t, e, k, ROUTINGS)
            ids, weights = routings[0]
            ref = torch_loop(x, w1, w2, weights, ids, act, torch.float32)
            touched = sum(i.unique().numel() for i, _ in routings) / \
                len(routings) * expert_bytes
            row = {"model": name, "T": t, "touched_MB": touched / 1e6}

            lib = GPULibrary(os.path.join(
                args.artifacts, f"{name}.T{t}.{args.target}.so"), args.backend)
            (y,) = lib.call("moe", x, w1, w2, weights, ids)
            row["err_moe_mlir"] = rel_err(y, ref)
            runs = [lib.launcher("moe", x, w1, w2, w, i) for i, w in routings]
            row["moe_mlir_us"] = bench_graph(runs)
            row["moe_mlir_eager_us"] = bench(runs[0])
            lib.check()  # no launch of the timed calls failed
            for vname, vdir in variants:
                vlib = GPULibrary(os.path.join(
                    vdir, f"{name}.T{t}.{args.target}.so"), args.backend)
                (vy,) = vlib.call("moe", x, w1, w2, weights, ids)
                row[f"err_{vname}"] = rel_err(vy, ref)
                row[f"{vname}_us"] = bench_graph(
                    [vlib.launcher("moe", x, w1, w2, w, i)
                     for i, w in routings])
                vlib.check()
                del vlib

            if args.skip_baselines:
                row["GBps"] = touched / (row["moe_mlir_us"] * 1e-6) / 1e9
                rows.append(row)
                print(json.dumps(row), flush=True)
                continue
            row["err_torch_loop"] = rel_err(
                torch_loop(x, w1, w2, weights, ids, act), ref)
            row["torch_loop_us"] = bench(
                lambda: torch_loop(x, w1, w2, weights, ids, act))
            if has_grouped_mm:
                try:
                    row["err_grouped_mm"] = rel_err(
                        grouped_mm(x, w1, w2, weights, ids, act), ref)
                    row["grouped_mm_us"] = bench(
                        lambda: grouped_mm(x, w1, w2, weights, ids, act))
                except Exception as exc:  # not on this build/GPU
                    row["grouped_mm_error"] = str(exc).splitlines()[0]
            best = None
            for config in triton_moe.CONFIGS:
                def make(i, w, aligned):
                    return lambda: triton_moe.fused_experts(
                        x, w1, w2, w, i, act, aligned, config)
                triton_runs = [make(i, w, triton_moe.align(i, e, config[0]))
                               for i, w in routings]
                us = bench_graph(triton_runs)
                if best is None or us < best[0]:
                    best = (us, config, rel_err(triton_runs[0](), ref))
            row["triton_us"], row["triton_config"], row["err_triton"] = best

            us = row["moe_mlir_us"]
            row["GBps"] = touched / (us * 1e-6) / 1e9
            row["pct_copy_bw"] = 100 * touched / (us * 1e-6) / copy_bw
            if datasheet:
                row["pct_roofline"] = 100 * touched / (us * 1e-6) / datasheet
            rows.append(row)
            print(json.dumps(row), flush=True)
            del lib

    if args.skip_baselines:
        for r in rows:
            print(f"{r['model']:16} T={r['T']:5} {r['moe_mlir_us']:9.1f} us "
                  f"{r['GBps']:6.0f} GB/s err {r['err_moe_mlir']:.1e}" +
                  "".join(f" | {v}: {r[v + '_us']:9.1f} us "
                          f"(x{r['moe_mlir_us'] / r[v + '_us']:.2f}) err "
                          f"{r['err_' + v]:.1e}" for v, _ in variants))
        return
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump({"gpu": gpu, "copy_bw": copy_bw, "datasheet_bw": datasheet,
                   "variants": [v for v, _ in variants], "rows": rows}, f,
                  indent=1)
    write_table(os.path.join(args.out, "results.md"), gpu, copy_bw, datasheet,
                rows, [v for v, _ in variants])
    plot(os.path.join(args.out, "roofline.png"), gpu, datasheet or copy_bw,
         rows)
    print(open(os.path.join(args.out, "results.md")).read())


if __name__ == "__main__":
    main()
