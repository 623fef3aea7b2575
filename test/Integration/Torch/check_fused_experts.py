"""moe_mlir.fused_experts against an eager torch reference (vLLM's
contract): silu, gelu and swigluoai, bf16 and f32 (bf16 only with --device
cuda: GPU GEMMs take 16-bit operands), T = 1 and 13 with the library
compiled once and reused, int64 ids, the disk cache across a new process,
and the errors for bad arguments. CPU tensors by default; --device cuda
--backend libmoe_runtime_cuda.so runs the same on the GPU."""

import os
import subprocess
import sys

import torch

from moe_mlir import fused_experts
from moe_mlir.library import CheckFailed
from torch_checks import Checks, experts_reference, parse_args

args = parse_args()
dev = args.device
checks = Checks()
report = checks.report


def close(name, got, want, tol):
    err = (got.double() - want).abs()
    scale = want.abs().max().item()
    ok = got.shape == want.shape and \
        bool((err <= tol * want.abs() + tol * scale).all())
    report(name, ok, f"max abs err {err.max().item():.3g} (scale "
                     f"{scale:.3g})")


def call(*a, **kw):
    y = fused_experts(*(t.to(dev) for t in a), moe_compile=args.moe_compile,
                      cache_dir=args.cache, backend=args.backend, **kw)
    return y.cpu()


torch.manual_seed(5)
hidden, inter, experts, k = 32, 16, 6, 2
dtypes = ((torch.bfloat16, 2e-2), (torch.float32, 1e-4))
if dev == "cuda":
    dtypes = dtypes[:1]
for dtype, tol in dtypes:
    for activation in ("silu", "gelu", "swigluoai"):
        w1 = (torch.randn(experts, 2 * inter, hidden) * hidden ** -0.5) \
            .to(dtype)
        w2 = (torch.randn(experts, hidden, inter) * inter ** -0.5).to(dtype)
        for tokens in (1, 13):
            x = torch.randn(tokens, hidden).to(dtype)
            ids = torch.stack([torch.randperm(experts)[:k]
                               for _ in range(tokens)]).to(torch.int64)
            weights = torch.softmax(torch.randn(tokens, k), dim=1)
            y = call(x, w1, w2, weights, ids, activation=activation)
            report(f"{activation} {dtype} T={tokens} result dtype",
                   y.dtype == dtype and tuple(y.shape) == (tokens, hidden),
                   f"{y.dtype} {list(y.shape)}")
            close(f"{activation} {dtype} T={tokens} == eager", y,
                  experts_reference(x, w1, w2, weights, ids, activation), tol)

# One library per shape set: the T = 1 and T = 13 calls above shared one.
libraries = sorted(f for f in os.listdir(args.cache) if f.endswith(".so"))
report("one cached library per (dtype, activation)",
       len(libraries) == 3 * len(dtypes), f"{len(libraries)} libraries")

# apply_router_weight_on_input (top_k 1): the weight scales the input, the
# output is not weighted again.
for dtype, tol in dtypes:
    w1 = (torch.randn(experts, 2 * inter, hidden) * hidden ** -0.5).to(dtype)
    w2 = (torch.randn(experts, hidden, inter) * inter ** -0.5).to(dtype)
    x = torch.randn(7, hidden).to(dtype)
    ids = torch.randint(0, experts, (7, 1))
    weights = torch.rand(7, 1) + 0.5
    y = call(x, w1, w2, weights, ids, activation="silu",
             apply_router_weight_on_input=True)
    close(f"apply_router_weight_on_input {dtype} == eager on the scaled "
          "input", y, experts_reference(x.double() * weights.double(), w1,
                                        w2, torch.ones(7, 1), ids, "silu"),
          tol)
# A new process finds the library on disk and does not compile again.
code = ("import torch; from moe_mlir import fused_experts; "
        f"d = {dev!r}; "
        "x = torch.zeros(2, 32, dtype=torch.bfloat16, device=d); "
        "w1 = torch.zeros(6, 32, 32, dtype=torch.bfloat16, device=d); "
        "w2 = torch.zeros(6, 32, 16, dtype=torch.bfloat16, device=d); "
        "ids = torch.zeros(2, 2, dtype=torch.int32, device=d); "
        "w = torch.ones(2, 2, device=d); "
        f"fused_experts(x, w1, w2, w, ids, moe_compile={args.moe_compile!r}, "
        f"cache_dir={args.cache!r}, backend={args.backend!r})")
proc = subprocess.run([sys.executable, "-c", code], capture_output=True,
                      text=True, env=os.environ)
report("a new process reuses the disk cache",
       proc.returncode == 0 and "compiling" not in proc.stderr,
       proc.stderr.strip() or "no compile")

# Errors: expected vs found, never a crash or a wrong answer.
x = torch.zeros(3, 32, dtype=torch.bfloat16)
w1 = torch.zeros(6, 32, 32, dtype=torch.bfloat16)
w2 = torch.zeros(6, 32, 16, dtype=torch.bfloat16)
ids = torch.zeros(3, 2, dtype=torch.int32)
w = torch.ones(3, 2)


def fails(name, want, fn):
    try:
        fn()
    except (ValueError, NotImplementedError, CheckFailed) as e:
        report(name, want in str(e), str(e))
        return
    report(name, False, "no error")


fails("w2 of another I", "w2 shape: expected [6, 32, 16], found [6, 32, 8]",
      lambda: call(x, w1, w2[:, :, :8], w, ids))
fails("an unknown activation",
      "activation: expected silu or gelu or swigluoai, found 'relu'",
      lambda: call(x, w1, w2, w, ids, activation="relu"))
fails("weights of another k", "topk_weights shape: expected [3, 2], found "
      "[3, 1]", lambda: call(x, w1, w2, w[:, :1], ids))
fails("apply_router_weight_on_input with top_k 2",
      "top_k with apply_router_weight_on_input: expected 1, found 2",
      lambda: call(x, w1, w2, w, ids, apply_router_weight_on_input=True))
fails("expert_map", "expert_map (expert parallelism) is not supported yet",
      lambda: call(x, w1, w2, w, ids, expert_map=torch.arange(6)))
fails("an expert id outside [0, E)", "route ids outside [0, 6)",
      lambda: call(x, w1, w2, w, torch.full((3, 2), 9, dtype=torch.int32)))
checks.finish()
