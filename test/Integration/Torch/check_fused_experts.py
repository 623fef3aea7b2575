"""moe_mlir.fused_experts against an eager torch reference (vLLM's
contract): silu, gelu and swigluoai, bf16 and f32 (bf16 only with --device
cuda: GPU GEMMs take 16-bit operands), T = 1 and 13 with the library
compiled once and reused, int64 ids, the disk cache across a new process,
and the errors for bad arguments; expert biases (w1_bias, w2_bias) and
moe_mlir.hf's experts_forward on a gpt-oss-like module (transposed
weights, biases, [T, E] routing scores) on CPU tensors. CPU tensors by default; --device cuda
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

if dev == "cpu":
    # gpt-oss's expert biases (on CPU tensors here).
    for dtype, tol in dtypes:
        w1 = (torch.randn(experts, 2 * inter, hidden) * hidden ** -0.5) \
            .to(dtype)
        w2 = (torch.randn(experts, hidden, inter) * inter ** -0.5).to(dtype)
        b1 = torch.randn(experts, 2 * inter).to(dtype)
        b2 = torch.randn(experts, hidden).to(dtype)
        x = torch.randn(9, hidden).to(dtype)
        ids = torch.stack([torch.randperm(experts)[:k] for _ in range(9)])
        weights = torch.softmax(torch.randn(9, k), dim=1)
        y = call(x, w1, w2, weights, ids, activation="swigluoai",
                 w1_bias=b1, w2_bias=b2)
        close(f"swigluoai with biases {dtype} == eager", y,
              experts_reference(x, w1, w2, weights, ids, "swigluoai", b1, b2),
              tol)

    # moe_mlir.hf on a module laid out as transformers' GptOssExperts,
    # against Hugging Face's batched_mm formula written out in torch.
    from moe_mlir import hf
    from moe_mlir.hf import experts_forward

    class GptOssLikeExperts(torch.nn.Module):
        is_transposed, is_concatenated, has_bias, has_gate = \
            True, False, True, True
        alpha, limit = 1.702, 7.0

        def __init__(self):
            super().__init__()
            p = torch.nn.Parameter
            self.gate_up_proj = p(torch.randn(experts, hidden, 2 * inter) *
                                  hidden ** -0.5)
            self.gate_up_proj_bias = p(torch.randn(experts, 2 * inter))
            self.down_proj = p(torch.randn(experts, inter, hidden) *
                               inter ** -0.5)
            self.down_proj_bias = p(torch.randn(experts, hidden))

        def eager(self, x, ids, weights):
            flat = ids.reshape(-1)
            rows = torch.arange(x.shape[0]).repeat_interleave(ids.shape[1])
            gu = torch.bmm(x[rows].unsqueeze(1), self.gate_up_proj[flat])
            gu = gu.squeeze(1) + self.gate_up_proj_bias[flat]
            gate = gu[:, ::2].clamp(max=self.limit)
            up = gu[:, 1::2].clamp(-self.limit, self.limit)
            h = (up + 1) * gate * torch.sigmoid(gate * self.alpha)
            out = torch.bmm(h.unsqueeze(1), self.down_proj[flat]).squeeze(1)
            out = (out + self.down_proj_bias[flat]) * weights.reshape(-1, 1)
            return torch.zeros_like(x).index_add_(0, rows, out)

    module = GptOssLikeExperts()
    x = torch.randn(6, hidden)
    ids = torch.stack([torch.randperm(experts)[:k] for _ in range(6)])
    scores = torch.zeros(6, experts).scatter_(
        1, ids, torch.softmax(torch.randn(6, k), dim=1))
    with torch.no_grad():
        want = module.eager(x, ids, scores.gather(1, ids))
        hf._options.update(moe_compile=args.moe_compile, cache_dir=args.cache,
                           backend=None)
        copies = []
        for name, weights in (("[T, k]", scores.gather(1, ids)),
                              ("[T, E]", scores)):
            got = experts_forward(module, x, ids, weights)
            close(f"hf experts_forward, gpt-oss layout, {name} weights == "
                  "eager", got, want.double(), 1e-4)
            copies.append(module._moe_mlir_transposed["gate_up_proj"][1])
        report("the transposed weights are kept while unchanged",
               copies[0] is copies[1], "one copy for both calls")
        module.gate_up_proj.mul_(2)
        got = experts_forward(module, x, ids, scores)
        close("hf experts_forward after an in-place weight change == eager",
              got, module.eager(x, ids, scores.gather(1, ids)).double(), 1e-4)

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
fails("one bias only", "biases: expected both w1_bias and w2_bias or "
      "neither, found only w1_bias",
      lambda: call(x, w1, w2, w, ids, w1_bias=torch.zeros(6, 32)))
fails("w2_bias of another H", "w2_bias shape: expected [6, 32], found [6, 16]",
      lambda: call(x, w1, w2, w, ids, w1_bias=torch.zeros(6, 32),
                   w2_bias=torch.zeros(6, 16)))
fails("an expert id outside [0, E)", "route ids outside [0, 6)",
      lambda: call(x, w1, w2, w, torch.full((3, 2), 9, dtype=torch.int32)))
checks.finish()
