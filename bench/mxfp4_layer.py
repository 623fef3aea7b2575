"""MXFP4 expert layers (gpt-oss's checkpoint format: fp4 E2M1 weights, two
per byte, E8M0 scales per 32 k, bf16 activations: a16w4) on the GPU, against
the same layer in bf16 and against Triton (bench/triton_mxfp4.py for a16w4,
bench/triton_moe.py for bf16, each the best of its tile configurations), in
one run.

  here (MLIR):  python3 bench/mxfp4_layer.py build --moe-compile build/bin/moe-compile --out DIR
  on the GPU:   python3 bench/mxfp4_layer.py run --artifacts DIR \\
                  --backend build-runtime/lib/libmoe_runtime_cuda.so

`run` (`--no-triton`: our layers only; `--candidates LABEL=DIR,...`: also
DIR's a16w4 libraries, such as other plans from bench/plan_variants.py) prints one line per model, T and implementation: CUDA-graph µs
(moe_bench.py's timing: 8 routings cycled, median; Triton's alignment
outside its time, ours inside), our a16w4 time against each, % of the
4.8 TB/s roofline counting the bytes the layer must read (the routed
experts' weights in their format with their scales, x, y), and the error
against an f32 torch reference of the layer from the dequantized weights.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from layer_cli import compile_layers, main  # noqa: E402
from models import MODELS, SWIGLU, program  # noqa: E402

BENCH_MODELS = ["gpt_oss_120b"]
TOKENS = [1, 4, 16, 64, 256]
ROOFLINE = 4.8e12


def mxfp4_program(name):
    """`name`'s layer with MXFP4 weights (mx scales) and bf16 activations."""
    h, i, e, k, act, layout, note = MODELS[name]
    x = f"tensor<?x{h}xbf16>"
    w1, w2 = f"tensor<{e}x{2 * i}x{h}xf4E2M1FN>", \
        f"tensor<{e}x{h}x{i}xf4E2M1FN>"
    s1, s2 = f"tensor<{e}x{2 * i}x{h // 32}xf8E8M0FNU>", \
        f"tensor<{e}x{h}x{i // 32}xf8E8M0FNU>"
    w, ids = f"tensor<?x{k}xf32>", f"tensor<?x{k}xi32>"
    attrs = f"{act}, layout = {layout}"
    if act == "swiglu_oai":
        attrs += ", alpha = {}, beta = {}, limit = {}".format(*SWIGLU)
    return f"""// {note}, MXFP4 a16w4: H={h}, I={i}, E={e}, k={k}, {act}.
func.func @moe(%x: {x}, %w1: {w1}, %w2: {w2}, %w: {w}, %ids: {ids}, %s1: {s1}, %s2: {s2}) -> {x} {{
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <{attrs}> weight_scales %s1, %s2 <mx>
      : ({x}, {w1}, {w2}, {w}, {ids}, {s1}, {s2}) -> {x}
  return %y : {x}
}}
"""


def build(args):
    compile_layers(args.moe_compile, args.out,
                   [(f"{name}.{fmt}", text) for name in BENCH_MODELS
                    for fmt, text in (("bf16", program(name)),
                                      ("a16w4", mxfp4_program(name)))],
                   TOKENS)


def quantize_mxfp4(w):
    """OCP MX: per 32 k, the scale 2^(floor(log2 amax) - 2) (E8M0 code),
    each element rounded to the nearest E2M1 value (saturating at 6).
    Returns packed codes [E, N, K/2] (low nibble first), E8M0 codes
    [E, N, K/32] and the dequantized f32 weights (an expert at a time)."""
    import torch
    grid = torch.tensor([0, 0.5, 1, 1.5, 2, 3, 4, 6], device=w.device)
    packed, scales, deq = [], [], []
    for we in w:
        n, kk = we.shape
        g = we.float().reshape(n, kk // 32, 32)
        amax = g.abs().amax(dim=2, keepdim=True).clamp(min=2.0 ** -100)
        exp = torch.floor(torch.log2(amax)) - 2
        v = g / torch.exp2(exp)
        idx = (v.abs().unsqueeze(-1) - grid).abs().argmin(dim=-1)
        sign = torch.where(v < 0, -1.0, 1.0)
        codes = (idx | ((v < 0).to(idx.dtype) << 3)).to(torch.uint8)
        codes = codes.reshape(n, kk)
        packed.append(codes[:, 0::2] | (codes[:, 1::2] << 4))
        scales.append((exp + 127).to(torch.uint8).reshape(n, kk // 32))
        deq.append((grid[idx] * sign * torch.exp2(exp)).reshape(n, kk))
    return (torch.stack(packed).contiguous(), torch.stack(scales).contiguous(),
            torch.stack(deq))


def run(args):
    import torch

    sys.path.insert(0, os.path.join(HERE, "..", "python"))
    from moe_bench import (ROUTINGS, bench_graph, layer_weights,
                           random_routings, rel_err)
    import triton_moe
    import triton_mxfp4
    from moe_mlir import GPULibrary

    print(f"# {torch.cuda.get_device_name()}: {ROUTINGS} routings per "
          "timing; us = CUDA-graph median per call")
    print("model | T | implementation | us | a16w4 speedup | % roofline | "
          "err vs f32 ref | config")
    for name in BENCH_MODELS:
        torch.manual_seed(0)
        h, inter, e, k = MODELS[name][:4]
        act, w1, w2 = layer_weights(name)
        p1, s1, d1 = quantize_mxfp4(w1)
        p2, s2, d2 = quantize_mxfp4(w2)

        def reference(x, wts, ids, d1, d2):
            y = torch.zeros(x.shape, dtype=torch.float32, device=x.device)
            for ex in ids.unique().tolist():
                tok, slot = (ids == ex).nonzero(as_tuple=True)
                a = act(x[tok].float() @ d1[ex].t()).to(torch.bfloat16)
                y.index_add_(0, tok, (a.float() @ d2[ex].t()) *
                             wts[tok, slot, None])
            return y

        fp4_bytes = 3 * h * inter // 2 + 3 * h * inter // 32
        for t in TOKENS:
            x = torch.randn(t, h, device="cuda").to(torch.bfloat16)
            routings = random_routings(t, e, k, ROUTINGS)
            ids, wts = routings[0]
            experts = len(ids.unique())
            ref4 = reference(x, wts, ids, d1, d2)
            ref16 = reference(x, wts, ids, w1.float(), w2.float())
            rows = []
            libs = [(f"moe-mlir {fmt}", fmt, os.path.join(
                args.artifacts, f"{name}.{fmt}.T{t}.sm_90.so"))
                for fmt in ("a16w4", "bf16")]
            for candidate in filter(None, args.candidates.split(",")):
                label, _, folder = candidate.partition("=")
                path = os.path.join(folder, f"{name}.a16w4.T{t}.sm_90.so")
                if os.path.exists(path):
                    libs.append((f"moe-mlir a16w4 {label}", "a16w4", path))
            for label, fmt, path in libs:
                c1, c2, scales = (p1, p2, [s1, s2]) if fmt == "a16w4" \
                    else (w1, w2, [])
                lib = GPULibrary(path, args.backend)
                (y,) = lib.call("moe", x, c1, c2, wts, ids, *scales)
                err = rel_err(y, ref4 if fmt == "a16w4" else ref16)
                us = bench_graph([lib.launcher("moe", x, c1, c2, w, i,
                                               *scales)
                                  for i, w in routings])
                lib.check()
                del lib
                rows.append((label, fmt, us, err, ""))
            for fmt in () if args.no_triton else ("a16w4", "bf16"):
                best = None
                for config in triton_moe.CONFIGS:
                    def make(i, w, aligned):
                        if fmt == "a16w4":
                            return lambda: triton_mxfp4.fused_experts(
                                x, p1, s1, p2, s2, w, i, act, aligned,
                                config)
                        return lambda: triton_moe.fused_experts(
                            x, w1, w2, w, i, act, aligned, config)
                    runs = [make(i, w, triton_moe.align(i, e, config[0]))
                            for i, w in routings]
                    us = bench_graph(runs)
                    if best is None or us < best[0]:
                        best = (us, config, rel_err(
                            runs[0](), ref4 if fmt == "a16w4" else ref16))
                rows.append((f"triton {fmt}", fmt, best[0], best[2],
                             str(best[1])))
            ours = rows[0][2]
            for label, fmt, us, err, config in rows:
                wbytes = fp4_bytes if fmt == "a16w4" else 6 * h * inter
                moved = experts * wbytes + 4 * t * h
                pct = 100 * moved / (us * 1e-6) / ROOFLINE
                print(f"{name} | {t} | {label} | {us:.1f} | "
                      f"{us / ours:.2f} | {pct:.1f} | {err:.1e} | {config}",
                      flush=True)


if __name__ == "__main__":
    main(__doc__, build, run,
         [("--no-triton", {"action": "store_true",
                           "help": "time moe-mlir's layers only"}),
          ("--candidates", {"default": "",
                            "help": "LABEL=DIR,...: also time DIR's "
                            "a16w4 library of each T it has (e.g. other "
                            "plans: bench/plan_variants.py)"})])
