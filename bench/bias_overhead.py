"""The cost of the expert-bias epilogue: gpt-oss-120b's layer with and
without its expert biases (b1 [E, 2I], b2 [E, H]), timed in the same run.

  here (MLIR):  python3 bench/bias_overhead.py build --moe-compile build/bin/moe-compile --out DIR
  on the GPU:   python3 bench/bias_overhead.py run --artifacts DIR \\
                  --backend build-runtime/lib/libmoe_runtime_cuda.so

`build` writes DIR/gpt_oss_120b[.bias].T<T>.sm_90.so; `run` prints one
line per T: CUDA-graph µs of each (moe_bench.py's timing: 8 routings
cycled, median), their ratio, and each output's error against an f32
torch reference of the layer with its biases (the unbiased library against
the reference without them).
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from layer_cli import compile_layers, main  # noqa: E402
from models import MODELS, program  # noqa: E402

MODEL = "gpt_oss_120b"
TOKENS = [1, 4, 16, 64, 256, 1024]


def build(args):
    compile_layers(args.moe_compile, args.out,
                   [(f"{MODEL}{suffix}", program(MODEL, biases=biases))
                    for suffix, biases in (("", False), (".bias", True))],
                   TOKENS)


def run(args):
    import torch

    sys.path.insert(0, os.path.join(HERE, "..", "python"))
    from moe_bench import (ROUTINGS, bench_graph, layer_weights,
                           random_routings, rel_err)
    from moe_mlir import GPULibrary

    torch.manual_seed(0)
    h, inter, e, k = MODELS[MODEL][:4]
    act, w1, w2 = layer_weights(MODEL)
    b1 = (0.1 * torch.randn(e, 2 * inter, device="cuda")).to(torch.bfloat16)
    b2 = (0.1 * torch.randn(e, h, device="cuda")).to(torch.bfloat16)

    def reference(x, weights, ids, biases):
        y = torch.zeros(x.shape, dtype=torch.float32, device=x.device)
        for ex in ids.unique().tolist():
            tok, slot = (ids == ex).nonzero(as_tuple=True)
            g = x[tok].float() @ w1[ex].float().t()
            if biases:
                g = g + b1[ex].float()
            o = act(g) @ w2[ex].float().t()
            if biases:
                o = o + b2[ex].float()
            y.index_add_(0, tok, o.float() * weights[tok, slot, None])
        return y

    print(f"# {torch.cuda.get_device_name()}: {MODEL}, {ROUTINGS} routings "
          "per timing; us = CUDA-graph median per call")
    print("T | without biases us | with biases us | with / without | "
          "err without | err with")
    for t in TOKENS:
        x = torch.randn(t, h, device="cuda").to(torch.bfloat16)
        routings = random_routings(t, e, k, ROUTINGS)
        ids, weights = routings[0]
        row = [str(t)]
        errs = []
        times = []
        for suffix, extra in (("", []), (".bias", [b1, b2])):
            lib = GPULibrary(os.path.join(
                args.artifacts, f"{MODEL}{suffix}.T{t}.sm_90.so"),
                args.backend)
            (y,) = lib.call("moe", x, w1, w2, weights, ids, *extra)
            errs.append(rel_err(y, reference(x, weights, ids, bool(extra))))
            times.append(bench_graph([lib.launcher("moe", x, w1, w2, w, i,
                                                   *extra)
                                      for i, w in routings]))
            lib.check()
            del lib
        row += [f"{times[0]:.1f}", f"{times[1]:.1f}",
                f"{times[1] / times[0]:.3f}", f"{errs[0]:.1e}",
                f"{errs[1]:.1e}"]
        print(" | ".join(row), flush=True)


if __name__ == "__main__":
    main(__doc__, build, run)
