"""fp8 expert layers on the GPU against the same layer in bf16, same run:
weight-only fp8 with per-channel scales (a16w8, `per_row`) and DeepSeek-V3's
checkpoint format (fp8 weights in 128x128 blocks, activations quantized per
token group of 128: a8w8), both multiplied by the row-dot kernels.

  here (MLIR):  python3 bench/fp8_layer.py build --moe-compile build/bin/moe-compile --out DIR
  on the GPU:   python3 bench/fp8_layer.py run --artifacts DIR \\
                  --backend build-runtime/lib/libmoe_runtime_cuda.so

`run` prints one line per model, T and format: CUDA-graph µs (moe_bench.py's
timing: 8 routings cycled, median), time against bf16, % of the 4.8 TB/s
roofline counting the bytes the layer must read (the routed experts'
weights in their format with their scales, x, y), and the error against
an f32 torch reference of the layer from the dequantized weights (the
a8w8 reference quantizes x and the activation rows as moe.quantize does).
After our three formats, a `triton_a8w8` row: the same a8w8 layer (the same
block-quantized weights) in Triton as vLLM's fused_moe runs it
(bench/triton_fp8.py: activations quantized per token group of 128 by a
Triton kernel, fp8 tl.dot per 128-k block, scaled into an f32 accumulator),
the best of its tile configurations (timed as mxfp4_layer.py times its
Triton baselines: alignment outside its time, ours inside), with the
a8w8_blocks byte count and reference and its config in the last column;
then `# ours a8w8 over triton a8w8: X.XXx` (Triton's time / a8w8_blocks').
`run --no-triton` times our layers only, `--models a,b` those models, and
`--candidates LABEL=DIR,...` also DIR's a8w8_blocks library of each T it has
(other plans or an earlier build), in rows `a8w8_blocks LABEL`.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from layer_cli import compile_layers, main  # noqa: E402
from models import MODELS, program  # noqa: E402

BENCH_MODELS = ["deepseek_v3_tp8", "qwen3_235b_tp4"]
TOKENS = [1, 4, 16, 64, 256]
FORMATS = ["bf16", "a16w8_rows", "a8w8_blocks"]
ROOFLINE = 4.8e12


def quant_program(name, fmt):
    """`name`'s layer with fp8 weights: per-channel scales (a16w8_rows), or
    128x128 blocks and activations per token group of 128 (a8w8_blocks)."""
    if fmt == "bf16":
        return program(name)
    h, i, e, k, act, layout, note = MODELS[name]
    x, w1, w2 = f"tensor<?x{h}xbf16>", f"tensor<{e}x{2 * i}x{h}xf8E4M3FN>", \
        f"tensor<{e}x{h}x{i}xf8E4M3FN>"
    w, ids = f"tensor<?x{k}xf32>", f"tensor<?x{k}xi32>"
    if fmt == "a16w8_rows":
        s1, s2 = f"tensor<{e}x{2 * i}xf32>", f"tensor<{e}x{h}xf32>"
        quant = "weight_scales %s1, %s2 <per_row>"
    else:
        s1 = f"tensor<{e}x{2 * i // 128}x{h // 128}xf32>"
        s2 = f"tensor<{e}x{h // 128}x{i // 128}xf32>"
        quant = ("weight_scales %s1, %s2 <block [128, 128]> "
                 "act_quant <block [1, 128]> f8E4M3FN")
    return f"""// {note}, {fmt}: H={h}, I={i}, E={e}, k={k}, {act}.
func.func @moe(%x: {x}, %w1: {w1}, %w2: {w2}, %w: {w}, %ids: {ids}, %s1: {s1}, %s2: {s2}) -> {x} {{
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <{act}, layout = {layout}> {quant}
      : ({x}, {w1}, {w2}, {w}, {ids}, {s1}, {s2}) -> {x}
  return %y : {x}
}}
"""


def build(args):
    compile_layers(args.moe_compile, args.out,
                   [(f"{name}.{fmt}", quant_program(name, fmt))
                    for name in BENCH_MODELS for fmt in FORMATS], TOKENS)


def run(args):
    import torch

    sys.path.insert(0, os.path.join(HERE, "..", "python"))
    from moe_bench import (ROUTINGS, bench_graph, layer_weights,
                           random_routings, rel_err)
    import triton_fp8
    import triton_moe
    from moe_mlir import GPULibrary

    fp8 = torch.float8_e4m3fn

    def quantize(w, rows, cols):
        """fp8 codes (uint8) and f32 scales of groups rows x cols of the
        last two dims (cols = K: per channel)."""
        e, n, kk = w.shape
        g = w.float().reshape(e, n // rows, rows, kk // cols, cols)
        s = g.abs().amax(dim=(2, 4)).clamp(min=1e-10) / 448.0
        q = (g / s[:, :, None, :, None]).to(fp8)
        deq = (q.float() * s[:, :, None, :, None]).reshape(e, n, kk)
        return q.reshape(e, n, kk).view(torch.uint8), s.squeeze(-1) \
            if cols == kk else s, deq

    def quantize_rows(x):
        """moe.quantize <block [1, 128]> then back, in f32."""
        t, kk = x.shape
        g = x.float().reshape(t, kk // 128, 128)
        s = g.abs().amax(dim=2, keepdim=True).clamp(min=1e-10) / 448.0
        return ((g / s).clamp(-448, 448).to(fp8).float() * s).reshape(t, kk)

    print(f"# {torch.cuda.get_device_name()}: {ROUTINGS} routings per "
          "timing; us = CUDA-graph median per call")
    print("model | T | format | us | vs bf16 | % roofline | err vs f32 ref "
          "| config")
    for name in filter(None, args.models.split(",")):
        torch.manual_seed(0)
        h, inter, e, k = MODELS[name][:4]
        act, w1, w2 = layer_weights(name)
        weights = {"bf16": ([], w1.float(), w2.float(), 2, 0)}
        q1, s1, d1 = quantize(w1, 1, h)
        q2, s2, d2 = quantize(w2, 1, inter)
        weights["a16w8_rows"] = ([s1, s2], d1, d2, 1,
                                 4 * (2 * inter + h))
        b1, bs1, bd1 = quantize(w1, 128, 128)
        b2, bs2, bd2 = quantize(w2, 128, 128)
        weights["a8w8_blocks"] = ([bs1, bs2], bd1, bd2, 1,
                                  4 * (bs1[0].numel() + bs2[0].numel()))
        codes = {"bf16": (w1, w2), "a16w8_rows": (q1, q2),
                 "a8w8_blocks": (b1, b2)}

        def reference(x, wts, ids, d1, d2, act_quant):
            y = torch.zeros(x.shape, dtype=torch.float32, device=x.device)
            xf = quantize_rows(x) if act_quant else x.float()
            for ex in ids.unique().tolist():
                tok, slot = (ids == ex).nonzero(as_tuple=True)
                a = act(xf[tok] @ d1[ex].t()).to(torch.bfloat16)
                a = quantize_rows(a) if act_quant else a.float()
                y.index_add_(0, tok, (a @ d2[ex].t()) * wts[tok, slot, None])
            return y

        for t in TOKENS:
            x = torch.randn(t, h, device="cuda").to(torch.bfloat16)
            routings = random_routings(t, e, k, ROUTINGS)
            ids, wts = routings[0]
            experts = len(ids.unique())
            base = None
            times, refs = {}, {}

            def show(fmt, us, err, config="", label=None):
                _, _, _, wbytes, sbytes = weights[
                    "a8w8_blocks" if fmt == "triton_a8w8" else fmt]
                moved = experts * (3 * h * inter * wbytes + sbytes) + \
                    4 * t * h
                pct = 100 * moved / (us * 1e-6) / ROOFLINE
                print(f"{name} | {t} | {label or fmt} | {us:.1f} | "
                      f"{us / base:.2f} | "
                      f"{pct:.1f} | {err:.1e} | {config}", flush=True)

            libs = [(fmt, fmt, os.path.join(
                args.artifacts, f"{name}.{fmt}.T{t}.sm_90.so"))
                for fmt in FORMATS]
            for candidate in filter(None, args.candidates.split(",")):
                label, _, folder = candidate.partition("=")
                path = os.path.join(folder,
                                    f"{name}.a8w8_blocks.T{t}.sm_90.so")
                if os.path.exists(path):
                    libs.append((f"a8w8_blocks {label}", "a8w8_blocks",
                                 path))
            for label, fmt, path in libs:
                scales, d1, d2, _, _ = weights[fmt]
                c1, c2 = codes[fmt]
                lib = GPULibrary(path, args.backend)
                (y,) = lib.call("moe", x, c1, c2, wts, ids, *scales)
                refs[fmt] = reference(x, wts, ids, d1, d2,
                                      fmt == "a8w8_blocks")
                err = rel_err(y, refs[fmt])
                us = bench_graph([lib.launcher("moe", x, c1, c2, w, i,
                                               *scales)
                                  for i, w in routings])
                lib.check()
                del lib
                base = base or us
                times[label] = us
                show(fmt, us, err, label=label)
            if args.no_triton:
                continue
            # vLLM's Triton a8w8 with the same block-quantized weights, best
            # of the tile sweep, alignment outside its time.
            best = None
            for config in triton_fp8.CONFIGS:
                def make(i, w, aligned):
                    return lambda: triton_fp8.fused_experts(
                        x, b1, bs1, b2, bs2, w, i, act, aligned, config)
                runs = [make(i, w, triton_moe.align(i, e, config[0]))
                        for i, w in routings]
                us = bench_graph(runs)
                if best is None or us < best[0]:
                    best = (us, config,
                            rel_err(runs[0](), refs["a8w8_blocks"]))
            show("triton_a8w8", best[0], best[2], str(best[1]))
            print(f"# ours a8w8 over triton a8w8: "
                  f"{best[0] / times['a8w8_blocks']:.2f}x", flush=True)


if __name__ == "__main__":
    main(__doc__, build, run,
         [("--no-triton", {"action": "store_true",
                           "help": "time moe-mlir's layers only"}),
          ("--models", {"default": ",".join(BENCH_MODELS),
                        "help": "models to time (default: all)"}),
          ("--candidates", {"default": "",
                            "help": "LABEL=DIR,...: also time DIR's "
                            "a8w8_blocks library of each T it has (e.g. "
                            "other plans: bench/plan_variants.py)"})])
