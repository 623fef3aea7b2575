"""moe_mlir.hf on tiny random Qwen3-MoE and Mixtral models built from
transformers' config classes (nothing downloaded). First one experts module
alone: moe_mlir's experts_forward on random tokens and routes against a
float64 computation from the module's own weights (bf16 tolerance). Then
the whole model (default init): its bf16 logits with
config._experts_implementation = "moe_mlir" against the same weights run
eagerly in float32, no farther than twice eager bf16's distance plus 1 % of
the logits' scale. Then greedy generate() for 32 tokens with weights scaled
4x (so that logits are not all ties): eager bf16's tokens, or a divergence
only where eager's top-2 margin is within the bf16 bound. Prints the
time of a forward pass, eager vs moe_mlir. Needs transformers (the GPU
machine has 5.17); --device cuda --backend libmoe_runtime_cuda.so for the
GPU."""

import copy
import time

import torch

import moe_mlir.hf
from torch_checks import Checks, experts_reference, parse_args

args = parse_args()

import transformers  # noqa: E402

moe_mlir.hf.register(backend=args.backend, moe_compile=args.moe_compile,
                     cache_dir=args.cache)
checks = Checks()
report = checks.report


def tiny(kind):
    common = dict(vocab_size=256, hidden_size=64, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=2,
                  max_position_embeddings=128)
    if kind == "qwen3_moe":
        return transformers.Qwen3MoeConfig(
            moe_intermediate_size=32, num_experts=8, num_experts_per_tok=2,
            norm_topk_prob=True, head_dim=16, **common)
    return transformers.MixtralConfig(intermediate_size=32,
                                      num_local_experts=8,
                                      num_experts_per_tok=2, **common)


def forward_logits(model, ids, implementation):
    model.config._experts_implementation = implementation
    for module in model.modules():
        config = getattr(module, "config", None)
        if config is not None and config is not model.config:
            config._experts_implementation = implementation
    with torch.no_grad():
        if args.device == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        logits = model(ids).logits.float()
        if args.device == "cuda":
            torch.cuda.synchronize()
        return logits, (time.perf_counter() - start) * 1e3


def generate(model, ids, implementation):
    model.config._experts_implementation = implementation
    with torch.no_grad():
        out = model.generate(ids, max_new_tokens=32, min_new_tokens=32,
                             do_sample=False, output_scores=True,
                             return_dict_in_generate=True)
    return out.sequences, out.scores


for kind in ("qwen3_moe", "mixtral"):
    torch.manual_seed(3)
    model = transformers.AutoModelForCausalLM.from_config(tiny(kind)) \
        .to(torch.bfloat16).to(args.device).eval()
    experts = next(m for m in model.modules()
                   if type(m).__name__.endswith("Experts"))
    x = torch.randn(9, 64, device=args.device).to(torch.bfloat16)
    route_ids = torch.stack([torch.randperm(8)[:2] for _ in range(9)]) \
        .to(args.device)
    route_w = torch.softmax(torch.randn(9, 2, device=args.device), dim=1)
    with torch.no_grad():
        got = moe_mlir.hf.experts_forward(experts, x, route_ids, route_w)
        want = experts_reference(x, experts.gate_up_proj,
                                 experts.down_proj, route_w, route_ids,
                                 "silu")
    err = (got.double() - want).abs()
    scale = want.abs().max().item()
    report(f"{kind} {type(experts).__name__} == float64",
           bool((err <= 2e-2 * want.abs() + 2e-2 * scale).all()),
           f"max abs err {err.max().item():.3g} (scale {scale:.3g})")

    ids = torch.randint(0, 256, (2, 12), device=args.device)
    exact, _ = forward_logits(copy.deepcopy(model).float(), ids, "eager")
    forward_logits(model, ids, "eager")  # warm-up
    eager, eager_ms = forward_logits(model, ids, "eager")
    forward_logits(model, ids, "moe_mlir")  # compiles on first use
    got, moe_ms = forward_logits(model, ids, "moe_mlir")
    scale = exact.abs().max().item()
    eager_err = (eager - exact).abs().max().item()
    err = (got - exact).abs().max().item()
    report(f"{kind} logits within the bf16 bound", err <= 2 * eager_err +
           1e-2 * scale, f"max abs err vs float32 {err:.3g}, eager bf16's "
           f"{eager_err:.3g} (scale {scale:.3g}); forward eager "
           f"{eager_ms:.1f} ms, moe_mlir {moe_ms:.1f} ms")

    with torch.no_grad():
        for p in model.parameters():
            p.mul_(4.0)
    exact_model = copy.deepcopy(model).float()
    seq_eager, scores = generate(model, ids[:1], "eager")
    seq_moe, _ = generate(model, ids[:1], "moe_mlir")
    same = torch.equal(seq_eager, seq_moe)
    detail = "32 tokens, the same"
    if not same:
        at = int((seq_eager != seq_moe).nonzero()[0, 1])
        step = at - ids.shape[1]
        top2 = scores[step][0].float().topk(2).values
        margin = (top2[0] - top2[1]).item()
        # The logits' bf16 bound at this step: twice eager bf16's distance
        # from the same weights in float32 on the same prefix.
        prefix = seq_eager[:, :at]
        bf16_logits, _ = forward_logits(model, prefix, "eager")
        f32_logits, _ = forward_logits(exact_model, prefix, "eager")
        bound = 2 * (bf16_logits[0, -1] - f32_logits[0, -1]).abs().max() \
            .item()
        same = margin <= bound
        detail = (f"diverges at step {step}; eager's top-2 margin "
                  f"{margin:.3g} vs the logits' bf16 bound {bound:.3g}")
    report(f"{kind} greedy generate == eager", same, detail)

checks.finish()
