"""A Hugging Face transformers experts backend (transformers 5.x):

    import moe_mlir.hf
    moe_mlir.hf.register(backend="build-runtime/lib/libmoe_runtime_cuda.so")
    model.config._experts_implementation = "moe_mlir"

registers "moe_mlir" in transformers' ALL_EXPERTS_FUNCTIONS. Experts modules
(@use_experts_implementation) then call experts_forward(self, hidden_states
[T, H], top_k_index [T, k], top_k_weights [T, k]), whose weights
gate_up_proj [E, 2I, H] (gate rows, then up rows) and down_proj [E, H, I]
are moe.experts' own layout, so it is one fused_experts call. gpt-oss's
experts (GptOssExperts: interleaved gate/up rows with its SwiGLU, expert
biases, transposed weights gate_up_proj [E, H, 2I] and down_proj
[E, I, H]) run as fused_experts(..., activation="swigluoai", w1_bias=,
w2_bias=) on the weights transposed once and kept until the parameters
change. Routing weights [T, E]
(one per expert) are gathered at the ids. Other layouts, and activations
other than SiLU, exact GELU and gpt-oss's SwiGLU (alpha 1.702, limit 7),
raise NotImplementedError with the reason.
"""

import torch

from .experts import fused_experts

_options = {}


def _activation(module):
    """fused_experts' activation name for module.act_fn."""
    act = getattr(module, "act_fn", None)
    name = type(act).__name__
    if isinstance(act, torch.nn.SiLU) or name in ("SiLUActivation",):
        return "silu"
    if name == "GELUActivation" or (isinstance(act, torch.nn.GELU)
                                    and act.approximate == "none"):
        return "gelu"
    raise NotImplementedError(f"moe_mlir experts: activation {name} is not "
                              "supported (expected SiLU or exact GELU)")


def _flag(module, names, default):
    for name in names:
        if hasattr(module, name):
            return bool(getattr(module, name))
    return default


def _transposed(module, name):
    """Parameter `name` of `module` with dims 1 and 2 swapped, copied once
    and kept while the parameter is unchanged (same storage and version)."""
    param = getattr(module, name)
    cache = module.__dict__.setdefault("_moe_mlir_transposed", {})
    key = (param.data_ptr(), param._version, tuple(param.shape))
    hit = cache.get(name)
    if hit is None or hit[0] != key:
        hit = (key, param.detach().transpose(1, 2).contiguous())
        cache[name] = hit
    return hit[1]


def experts_forward(self, hidden_states, top_k_index, top_k_weights):
    """The experts of `self` (an HF experts module) on `hidden_states`."""
    if not _flag(self, ("has_gate",), True):
        raise NotImplementedError(f"moe_mlir experts: {type(self).__name__} "
                                  "has has_gate = False (expected a gated "
                                  "activation)")
    transposed = _flag(self, ("is_transposed", "experts_are_transposed"),
                       False)
    concatenated = _flag(self, ("is_concatenated",), True)
    if concatenated:
        activation = _activation(self)
    else:
        # Interleaved gate/up rows: gpt-oss's SwiGLU (GptOssExperts).
        alpha, limit = getattr(self, "alpha", None), getattr(self, "limit",
                                                             None)
        if (alpha, limit) != (1.702, 7.0):
            raise NotImplementedError(
                f"moe_mlir experts: {type(self).__name__} has interleaved "
                "gate/up rows; expected gpt-oss's SwiGLU (alpha 1.702, "
                f"limit 7.0), found alpha {alpha}, limit {limit}")
        activation = "swigluoai"
    biases = {}
    if _flag(self, ("has_bias",), False) or \
            getattr(self, "gate_up_proj_bias", None) is not None:
        biases = dict(w1_bias=self.gate_up_proj_bias,
                      w2_bias=self.down_proj_bias)
    w1, w2 = self.gate_up_proj, self.down_proj
    if transposed:
        w1 = _transposed(self, "gate_up_proj")
        w2 = _transposed(self, "down_proj")
    weights = top_k_weights
    if weights.shape != top_k_index.shape and \
            weights.shape[-1] == w1.shape[0]:
        weights = weights.gather(1, top_k_index.long())  # [T, E] scores
    return fused_experts(hidden_states, w1, w2, weights, top_k_index,
                         activation=activation, **biases, **_options)


def register(name="moe_mlir", backend=None, moe_compile=None, cache_dir=None):
    """Registers experts_forward as experts implementation `name`;
    `backend`, `moe_compile` and `cache_dir` go to fused_experts."""
    from transformers.integrations import moe

    _options.update(backend=backend, moe_compile=moe_compile,
                    cache_dir=cache_dir)
    moe.ALL_EXPERTS_FUNCTIONS.register(name, experts_forward)
