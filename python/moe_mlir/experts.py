"""fused_experts: vLLM's fused-MoE contract on top of moe-mlir.

    from moe_mlir import fused_experts
    y = fused_experts(x, w1, w2, topk_weights, topk_ids)   # CPU tensors

x [T, H] (bf16, f16 or f32), w1 [E, 2I, H] (gate rows then up rows; for
"swigluoai", gpt-oss's interleaved gate/up rows), w2 [E, H, I], topk_weights
[T, k], topk_ids [T, k] (int32 or int64): y[t] = sum_j topk_weights[t, j] *
(act(x[t] @ w1[e].T) @ w2[e].T) with e = topk_ids[t, j], in x's dtype.
With w1_bias [E, 2I] and w2_bias [E, H] (gpt-oss's expert biases, vLLM's
names) each GEMM adds its expert's bias row: y[t] = sum_j topk_weights[t,
j] * (act(x[t] @ w1[e].T + w1_bias[e]) @ w2[e].T + w2_bias[e]).
With apply_router_weight_on_input=True (top_k 1, as vLLM requires) the
weight scales the token's input instead: y[t] = act((topk_weights[t, 0] *
x[t]) @ w1[e].T) @ w2[e].T; the scaled input is rounded to x's dtype first
(vLLM rounds GEMM1's f32 product instead: the same math, other roundings).

On first use for a set of shapes, dtype and activation it writes the `moe`
program (one moe.experts op with a dynamic T), compiles it with moe-compile
(`moe_compile=`, else $MOE_COMPILE, else moe-compile on PATH) and caches the
library on disk (`cache_dir=`, else $MOE_MLIR_CACHE, else
~/.cache/moe_mlir), keyed by the program, the target and the compiler
binary; later calls, at any T, reuse it. CPU tensors run the CPU library;
CUDA tensors on an sm_90 GPU run the sm_90 library through the runtime's
CUDA backend (`backend=`, else $MOE_RUNTIME_CUDA), with the tensors on its
device ($MOE_CUDA_DEVICE, default 0). A call waits for its result (not
CUDA-graph capturable yet).
"""

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading

import torch

from .library import CPULibrary, GPULibrary

# vLLM's activation names -> moe.experts' activation attribute.
_ACTIVATIONS = {
    "silu": "<silu_mul>",
    "gelu": "<gelu_mul>",
    "swigluoai": "<swiglu_oai, layout = interleaved, alpha = 1.702, "
                 "beta = 1.0, limit = 7.0>",
}
_ELEMENT = {torch.bfloat16: "bf16", torch.float16: "f16",
            torch.float32: "f32"}

_loaded = {}
_lock = threading.Lock()


def _shape(t):
    return "[" + ", ".join(str(d) for d in t.shape) + "]"


def _expect(ok, what, expected, found):
    if not ok:
        raise ValueError(f"fused_experts: {what}: expected {expected}, "
                         f"found {found}")


def program(tokens_type, w1_type, w2_type, k, activation, bias_types=None):
    """The moe program of one experts call (T dynamic); `bias_types` (the
    two bias tensor types) adds the biases as the last two arguments."""
    x, w1, w2 = tokens_type, w1_type, w2_type
    args, uses, types = "", "", ""
    if bias_types:
        b1, b2 = bias_types
        args = f", %b1: tensor<{b1}>, %b2: tensor<{b2}>"
        uses = " biases %b1, %b2"
        types = f", tensor<{b1}>, tensor<{b2}>"
    return (
        f"func.func @moe(%x: tensor<?x{x}>, %w1: tensor<{w1}>, "
        f"%w2: tensor<{w2}>, %weights: tensor<?x{k}xf32>, "
        f"%ids: tensor<?x{k}xi32>{args}) -> tensor<?x{x}> {{\n"
        f"  %y = moe.experts %x, %w1, %w2, %weights, %ids activation "
        f"{_ACTIVATIONS[activation]}{uses}\n"
        f"      : (tensor<?x{x}>, tensor<{w1}>, tensor<{w2}>, "
        f"tensor<?x{k}xf32>, tensor<?x{k}xi32>{types}) -> tensor<?x{x}>\n"
        f"  return %y : tensor<?x{x}>\n}}\n")


def _compiler(moe_compile):
    path = moe_compile or os.environ.get("MOE_COMPILE") or \
        shutil.which("moe-compile")
    if not path or not os.path.exists(path):
        raise RuntimeError("fused_experts: no moe-compile (pass moe_compile=, "
                           "set $MOE_COMPILE or put it on PATH)")
    return os.path.abspath(path)


def _library(text, compiler, cache_dir, target, backend):
    """The library of `text` for `target` (cpu or sm_90), compiled once and
    cached."""
    stat = os.stat(compiler)
    key = hashlib.sha256("\0".join(
        [text, target, compiler, str(stat.st_size), str(stat.st_mtime_ns)]
    ).encode()).hexdigest()[:32]
    with _lock:
        if key in _loaded:
            return _loaded[key]
        directory = cache_dir or os.environ.get("MOE_MLIR_CACHE") or \
            os.path.join(os.path.expanduser("~"), ".cache", "moe_mlir")
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, f"experts-{key}.{target}.so")
        if not os.path.exists(path):
            print(f"moe_mlir: compiling the experts layer for {target} "
                  f"(first use; cached as {path})", file=sys.stderr)
            # The program stays next to its library: run-time errors name
            # its ops by their place in it.
            source = os.path.join(directory, f"experts-{key}.mlir")
            with tempfile.TemporaryDirectory(dir=directory) as tmp:
                with open(os.path.join(tmp, "experts.mlir"), "w") as f:
                    f.write(text)
                os.replace(os.path.join(tmp, "experts.mlir"), source)
                built = os.path.join(tmp, "experts.so")
                proc = subprocess.run(
                    [compiler, source, f"--target={target}", "-o", built],
                    capture_output=True, text=True)
                if proc.returncode != 0:
                    raise RuntimeError("fused_experts: moe-compile failed:\n"
                                       + proc.stderr)
                os.replace(built, path)  # atomic: readers never see half
        _loaded[key] = CPULibrary(path) if target == "cpu" else \
            GPULibrary(path, backend)
        return _loaded[key]


def _target(x, backend):
    """(target, backend library) for tensors on x's device."""
    if not x.is_cuda:
        return "cpu", None
    capability = torch.cuda.get_device_capability(x.device)
    if capability != (9, 0):
        raise NotImplementedError(
            f"fused_experts: CUDA tensors need an sm_90 GPU (expected "
            f"capability (9, 0), found {capability})")
    backend = backend or os.environ.get("MOE_RUNTIME_CUDA")
    if not backend or not os.path.exists(backend):
        raise RuntimeError("fused_experts: CUDA tensors need the runtime's "
                           "CUDA backend, libmoe_runtime_cuda.so (pass "
                           "backend= or set $MOE_RUNTIME_CUDA)")
    return "sm_90", backend


def fused_experts(hidden_states, w1, w2, topk_weights, topk_ids,
                  activation="silu", apply_router_weight_on_input=False,
                  global_num_experts=-1, expert_map=None, w1_bias=None,
                  w2_bias=None, moe_compile=None, cache_dir=None,
                  backend=None):
    """The routed experts' weighted sum for each token (see the module
    docs); vLLM's argument names and layouts."""
    x = hidden_states
    if expert_map is not None:
        raise NotImplementedError("fused_experts: expert_map (expert "
                                  "parallelism) is not supported yet")
    _expect(activation in _ACTIVATIONS, "activation",
            " or ".join(_ACTIVATIONS), repr(activation))
    _expect(x.dtype in _ELEMENT, "hidden_states dtype",
            "bfloat16, float16 or float32", x.dtype)
    _expect(x.dim() == 2, "hidden_states rank", "2 ([T, H])", _shape(x))
    tokens, hidden = x.shape
    _expect(w1.dim() == 3, "w1 rank", "3 ([E, 2I, H])", _shape(w1))
    experts, two_inter, _ = w1.shape
    inter = two_inter // 2
    _expect(w1.shape[2] == hidden and two_inter % 2 == 0, "w1 shape",
            f"[E, 2I, {hidden}]", _shape(w1))
    _expect(tuple(w2.shape) == (experts, hidden, inter), "w2 shape",
            f"[{experts}, {hidden}, {inter}]", _shape(w2))
    _expect(w1.dtype == x.dtype and w2.dtype == x.dtype, "weight dtypes",
            f"{x.dtype} (hidden_states')", f"{w1.dtype}, {w2.dtype}")
    _expect(all(t.device == x.device for t in (w1, w2, topk_weights,
                                               topk_ids)),
            "devices", f"{x.device} (hidden_states')",
            ", ".join(str(t.device) for t in (w1, w2, topk_weights,
                                              topk_ids)))
    _expect(topk_ids.dim() == 2 and topk_ids.shape[0] == tokens,
            "topk_ids shape", f"[{tokens}, k]", _shape(topk_ids))
    k = topk_ids.shape[1]
    _expect(tuple(topk_weights.shape) == (tokens, k), "topk_weights shape",
            f"[{tokens}, {k}]", _shape(topk_weights))
    _expect((w1_bias is None) == (w2_bias is None), "biases",
            "both w1_bias and w2_bias or neither",
            "only " + ("w1_bias" if w1_bias is not None else "w2_bias"))
    biases = []
    if w1_bias is not None:
        _expect(tuple(w1_bias.shape) == (experts, two_inter), "w1_bias shape",
                f"[{experts}, {two_inter}]", _shape(w1_bias))
        _expect(tuple(w2_bias.shape) == (experts, hidden), "w2_bias shape",
                f"[{experts}, {hidden}]", _shape(w2_bias))
        for name, b in (("w1_bias", w1_bias), ("w2_bias", w2_bias)):
            _expect(b.dtype in _ELEMENT and b.device == x.device,
                    f"{name} dtype and device",
                    f"bfloat16, float16 or float32 on {x.device}",
                    f"{b.dtype} on {b.device}")
        biases = [w1_bias, w2_bias]
    _expect(global_num_experts in (-1, experts), "global_num_experts",
            f"-1 or {experts} (w1's E)", global_num_experts)
    if apply_router_weight_on_input:
        _expect(k == 1, "top_k with apply_router_weight_on_input", "1", k)
        x = (x.to(torch.float32) * topk_weights.to(torch.float32)).to(x.dtype)
        topk_weights = torch.ones_like(topk_weights)
    if x.is_cuda:
        wanted = int(os.environ.get("MOE_CUDA_DEVICE", "0"))
        _expect(x.device.index in (None, wanted), "CUDA device",
                f"cuda:{wanted} (the backend's, $MOE_CUDA_DEVICE)", x.device)
    if tokens == 0:
        return x.new_empty((0, hidden))
    element = _ELEMENT[x.dtype]
    bias_types = None
    if biases:
        bias_types = (f"{experts}x{two_inter}x{_ELEMENT[w1_bias.dtype]}",
                      f"{experts}x{hidden}x{_ELEMENT[w2_bias.dtype]}")
    text = program(f"{hidden}x{element}",
                   f"{experts}x{two_inter}x{hidden}x{element}",
                   f"{experts}x{hidden}x{inter}x{element}", k, activation,
                   bias_types)
    target, backend = _target(x, backend)
    lib = _library(text, _compiler(moe_compile), cache_dir, target, backend)
    (y,) = lib.call("moe", _aligned(x), _aligned(w1), _aligned(w2),
                    _aligned(topk_weights.to(torch.float32)),
                    _aligned(topk_ids.to(torch.int32)),
                    *(_aligned(b) for b in biases))
    return y


def _aligned(t):
    """`t` contiguous and 16-byte aligned (the libraries' vector loads),
    copied when it is not."""
    t = t.contiguous()
    return t if t.data_ptr() % 16 == 0 else t.clone()
