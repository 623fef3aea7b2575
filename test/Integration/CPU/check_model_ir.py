"""Checks model IR compiled by moe-compile (which raises it to moe ops)
against numpy: the Qwen3-MoE layer of test/Frontends/qwen3_moe.mlir
(RMSNorm, router linear + softmax top-2 renormalized, batched_mm experts),
in float64 from the same bf16 inputs with the model's two roundings to bf16
(the normalized rows, the logits), within the bf16 tolerance. Run on the CPU
library by lit and on the sm_90 library by the GPU tests (run.py). With
--gpt-oss, the gpt-oss layer of test/Frontends/gpt_oss_moe.mlir (router with
bias, top-4 then softmax, SwiGLU-OAI experts with biases, transposed
weights, index_add_ combine), on the CPU and (run.py) the sm_90 library.
"""

import numpy as np

import reference
from harness import Harness, rand

h = Harness()
rng = np.random.default_rng(11)


if "--gpt-oss" in h.extra:
    for tokens in (1, 7, 40):
        x = rand(rng, (tokens, 64), "bf16")
        router_w = rand(rng, (16, 64), "bf16", 0.5)
        router_b = rand(rng, (16,), "bf16", 0.5)
        gate_up = rand(rng, (16, 64, 96), "bf16", 64 ** -0.5)
        gate_up_b = rand(rng, (16, 96), "bf16")
        down = rand(rng, (16, 48, 64), "bf16", 48 ** -0.5)
        down_b = rand(rng, (16, 64), "bf16")
        inputs = [x, router_w, router_b, gate_up, gate_up_b, down, down_b]
        want = reference.round_to(reference.gpt_oss_moe_fixture(*inputs),
                                  "bf16")
        (got,) = h.run("gpt_oss_moe", inputs)
        h.close(f"gpt_oss_moe model IR T={tokens}", got, want, "bf16")
    h.finish()
    raise SystemExit

for tokens in (1, 5, 24):
    x = rand(rng, (tokens, 64), "bf16")
    norm_w = rand(rng, (64,), "bf16", 0.1) + np.float32(1)
    norm_w = reference.round_to(norm_w, "bf16")
    router_w = rand(rng, (8, 64), "bf16")
    gate_up = rand(rng, (8, 64, 64), "bf16", 64 ** -0.5)
    down = rand(rng, (8, 64, 32), "bf16", 32 ** -0.5)
    want = reference.round_to(
        reference.qwen3_moe_fixture(x, norm_w, router_w, gate_up, down), "bf16")
    (got,) = h.run("qwen3_moe", [x, norm_w, router_w, gate_up, down])
    h.close(f"qwen3_moe model IR T={tokens}", got, want, "bf16")
h.finish()
