"""A Hugging Face transformers experts backend (transformers 5.x):

    import moe_mlir.hf
    moe_mlir.hf.register(backend="build-runtime/lib/libmoe_runtime_cuda.so")
    model.config._experts_implementation = "moe_mlir"

registers "moe_mlir" in transformers' ALL_EXPERTS_FUNCTIONS. Experts modules
(@use_experts_implementation) then call experts_forward(self, hidden_states
[T, H], top_k_index [T, k], top_k_weights [T, k]), whose weights
gate_up_proj [E, 2I, H] (gate rows, then up rows) and down_proj [E, H, I]
are moe.experts' own layout, so it is one fused_experts call. Experts with
biases, transposed or interleaved weights, or an activation other than
SiLU or exact GELU raise NotImplementedError with the reason.
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


def experts_forward(self, hidden_states, top_k_index, top_k_weights):
    """The experts of `self` (an HF experts module) on `hidden_states`."""
    for flag, wanted in (("has_bias", False), ("is_transposed", False),
                         ("is_concatenated", True), ("has_gate", True)):
        if getattr(self, flag, wanted) != wanted:
            raise NotImplementedError(
                f"moe_mlir experts: {type(self).__name__} has {flag} = "
                f"{not wanted} (expected {wanted})")
    return fused_experts(hidden_states, self.gate_up_proj, self.down_proj,
                         top_k_weights, top_k_index,
                         activation=_activation(self), **_options)


def register(name="moe_mlir", backend=None, moe_compile=None, cache_dir=None):
    """Registers experts_forward as experts implementation `name`;
    `backend`, `moe_compile` and `cache_dir` go to fused_experts."""
    from transformers.integrations import moe

    _options.update(backend=backend, moe_compile=moe_compile,
                    cache_dir=cache_dir)
    moe.ALL_EXPERTS_FUNCTIONS.register(name, experts_forward)
