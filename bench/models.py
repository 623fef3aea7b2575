"""The benchmark's MoE shapes (DESIGN.md section 9), per-GPU slices."""

# name: (H, I per GPU, E, k, activation, layout, note)
MODELS = {
    "qwen3_235b_tp4": (4096, 384, 128, 8, "silu_mul", "split",
                       "Qwen3-235B-A22B, TP4 slice of I=1536"),
    "gpt_oss_120b": (2880, 2880, 128, 4, "swiglu_oai", "interleaved",
                     "gpt-oss-120b, whole layer"),
    "deepseek_v3_tp8": (7168, 256, 256, 8, "silu_mul", "split",
                        "DeepSeek-V3 routed experts, TP8 slice of I=2048"),
    "mixtral_8x7b_tp2": (4096, 7168, 8, 2, "silu_mul", "split",
                         "Mixtral-8x7B, TP2 slice of I=14336"),
    "minimax_m3_tp8": (3072, 192, 128, 4, "swiglu_oai", "split",
                       "MiniMax-M3, TP8 slice of I=1536"),
}

TOKENS = [1, 4, 16, 64, 256, 1024, 4096]

# gpt-oss's SwiGLU (vLLM swigluoai_and_mul): alpha 1.702, beta 1, limit 7.
SWIGLU = (1.702, 1.0, 7.0)


def program(name, biases=False):
    """The routed-expert layer of `name` as a moe program: vLLM's
    fused_experts contract (x, w1, w2, topk_weights, topk_ids) -> y; with
    `biases`, also the expert biases b1 [E, 2I] and b2 [E, H] (bf16)."""
    h, i, e, k, act, layout, _ = MODELS[name]
    attrs = f"{act}, layout = {layout}"
    if act == "swiglu_oai":
        attrs += ", alpha = {}, beta = {}, limit = {}".format(*SWIGLU)
    x, w1, w2 = f"tensor<?x{h}xbf16>", f"tensor<{e}x{2 * i}x{h}xbf16>", \
        f"tensor<{e}x{h}x{i}xbf16>"
    w, ids = f"tensor<?x{k}xf32>", f"tensor<?x{k}xi32>"
    args, use, types = "", "", ""
    if biases:
        b1, b2 = f"tensor<{e}x{2 * i}xbf16>", f"tensor<{e}x{h}xbf16>"
        args = f", %b1: {b1}, %b2: {b2}"
        use = " biases %b1, %b2"
        types = f", {b1}, {b2}"
    return f"""// {MODELS[name][6]}: H={h}, I={i}, E={e}, k={k}, {act}.
func.func @moe(%x: {x}, %w1: {w1}, %w2: {w2}, %w: {w}, %ids: {ids}{args}) -> {x} {{
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <{attrs}>{use}
      : ({x}, {w1}, {w2}, {w}, {ids}{types}) -> {x}
  return %y : {x}
}}
"""
