"""Per-kernel GPU times of one benchmark case (torch.profiler / CUPTI):

  python3 bench/profile_case.py --artifacts DIR --backend LIB --model M --tokens T

With --plain N it only runs the layer N times (no torch.profiler), for a
profiler outside the process (ncu) to attach to. With --mxfp4 the library
is bench/mxfp4_layer.py's a16w4 layer (DIR/M.a16w4.T<T>.sm_90.so), its
weights quantized as that benchmark does; with --fp8 bench/fp8_layer.py's
a8w8 layer with 128x128 block scales (DIR/M.a8w8_blocks.T<T>.sm_90.so),
the weights cast to fp8 with scales of 1 (the timing does not depend on
the values).
"""

import argparse
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "python"))
from models import MODELS  # noqa: E402
from moe_mlir import GPULibrary  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--artifacts", required=True)
    parser.add_argument("--backend", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--tokens", type=int, required=True)
    parser.add_argument("--target", default="sm_90")
    parser.add_argument("--plain", type=int, default=0,
                        help="run the layer N times without torch.profiler")
    parser.add_argument("--mxfp4", action="store_true",
                        help="the a16w4 layer of bench/mxfp4_layer.py")
    parser.add_argument("--fp8", action="store_true",
                        help="the a8w8_blocks layer of bench/fp8_layer.py")
    args = parser.parse_args()
    h, inter, e, k = MODELS[args.model][:4]
    t = args.tokens
    w1 = (torch.randn(e, 2 * inter, h, device="cuda") * h ** -0.5).bfloat16()
    w2 = (torch.randn(e, h, inter, device="cuda") * inter ** -0.5).bfloat16()
    x = torch.randn(t, h, device="cuda").bfloat16()
    ids = torch.rand(t, e, device="cuda").argsort(dim=1)[:, :k].int()
    weights = torch.softmax(torch.randn(t, k, device="cuda"), dim=1)
    operands, stem = [w1, w2], args.model
    if args.mxfp4:
        from mxfp4_layer import quantize_mxfp4
        p1, s1, _ = quantize_mxfp4(w1)
        p2, s2, _ = quantize_mxfp4(w2)
        operands, stem = [p1, p2], f"{args.model}.a16w4"
    scales = [s1, s2] if args.mxfp4 else []
    if args.fp8:
        operands = [w.to(torch.float8_e4m3fn).view(torch.uint8)
                    for w in (w1, w2)]
        scales = [torch.ones(e, w.shape[1] // 128, w.shape[2] // 128,
                             device="cuda") for w in (w1, w2)]
        stem = f"{args.model}.a8w8_blocks"
    lib = GPULibrary(os.path.join(
        args.artifacts, f"{stem}.T{t}.{args.target}.so"), args.backend)
    run = lib.launcher("moe", x, *operands, weights, ids.contiguous(),
                       *scales)
    for _ in range(args.plain or 3):
        run()
    torch.cuda.synchronize()
    if args.plain:
        lib.check()
        return
    with torch.profiler.profile(
            activities=[torch.profiler.ProfilerActivity.CUDA,
                        torch.profiler.ProfilerActivity.CPU]) as prof:
        for _ in range(10):
            run()
        torch.cuda.synchronize()
    lib.check()
    print(prof.key_averages().table(sort_by="cuda_time_total", row_limit=15))


if __name__ == "__main__":
    main()
