"""moe_mlir.torch_mlir.MoEMlirBackend on the model-IR fixtures of
test/Frontends, CPU target:
- the Qwen3-MoE layer (torch bf16 tensors in and out): the backend's library
  (moe-compile raises the layer) against the library of the same IR compiled
  as it is (--raise-linalg=false), within 2e-2 (the model IR rounds to bf16
  at twice as many places);
- the other layer fixtures (Mixtral, sharktank, gpt-oss, DeepSeek-V3) on
  random inputs of their signatures, the same way;
- an f32 RMSNorm with numpy arrays in and out, against numpy in float64;
- bad calls: an entry the module lacks, an argument of another kind.
"""

import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "CPU"))
from torch_checks import Checks, parse_args  # noqa: E402
from harness import compare_close  # noqa: E402

from moe_mlir import CPULibrary  # noqa: E402
from moe_mlir.torch_mlir import MoEMlirBackend  # noqa: E402

FRONTENDS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                         "..", "Frontends")


# Layer fixtures: (file, entry, tolerance). The model IR rounds to bf16 at
# about twice as many places as the moe ops; sharktank's separate gate and
# up products round once more.
LAYERS = [("mixtral_moe.mlir", "mixtral_moe", 2e-2),
          ("sharktank_moe.mlir", "sharktank_moe", 4e-2),
          ("gpt_oss_moe.mlir", "gpt_oss_moe", 2e-2),
          ("deepseek_moe.mlir", "deepseek_moe", 2e-2)]

DTYPES = {"bf16": torch.bfloat16, "f32": torch.float32, "i64": torch.int64}


def random_inputs(text, entry, tokens, gen):
    """Random tensors for the arguments of `entry` in the IR `text` (T =
    `tokens` for dynamic sizes): normal floats, weights (static sizes, rank
    2 or more) scaled by their last size^-1/2, integer ids in [0, 8)."""
    signature = re.search(r"func\.func @" + entry + r"\((.*?)\)\s*->", text,
                          re.S).group(1)
    inputs = []
    for shape, dtype in re.findall(r"tensor<((?:[0-9?]+x)+)(\w+)>",
                                   signature):
        sizes = [tokens if d == "?" else int(d) for d in shape[:-1].split("x")]
        if dtype == "i64":
            inputs.append(torch.randint(0, 8, sizes, generator=gen))
            continue
        # Weights (every size static): a unit-variance product per row.
        weight = len(sizes) >= 2 and "?" not in shape
        scale = sizes[-1] ** -0.5 if weight else 1.0
        x = scale * torch.randn(*sizes, generator=gen)
        inputs.append(x.to(DTYPES[dtype]))
    return inputs


def check_layer(checks, backend, cache, moe_compile, name, entry, tolerance):
    path = os.path.join(FRONTENDS, name)
    with open(path) as f:
        text = f.read()
    invoker = backend.load(backend.compile(text))
    unraised = os.path.join(cache, entry + ".unraised.so")
    subprocess.run([moe_compile, "--raise-linalg=false", path, "-o",
                    unraised], check=True)
    plain = CPULibrary(unraised)
    gen = torch.Generator().manual_seed(7)
    for t in (1, 9):
        inputs = random_inputs(text, entry, t, gen)
        y = getattr(invoker, entry)(*inputs)
        (want,) = plain.call(entry, *inputs)
        ok, detail = compare_close(y.float().numpy(), want.float().numpy(),
                                   "bf16", tolerance)
        checks.report(f"{entry} T={t} (torch, bf16)",
                      ok and tuple(y.shape) == tuple(want.shape), detail)


def main():
    args = parse_args()
    checks = Checks()
    backend = MoEMlirBackend(moe_compile=args.moe_compile,
                             work_dir=args.cache)
    with open(os.path.join(FRONTENDS, "qwen3_moe.mlir")) as f:
        qwen3 = f.read()

    artifact = backend.compile(qwen3)
    checks.report("compile raises the layer",
                  "raising linalg MoE" in artifact.report,
                  "moe-compile -v ran moe-raise-linalg")
    invoker = backend.load(artifact)
    unraised = os.path.join(args.cache, "qwen3.unraised.so")
    subprocess.run([args.moe_compile, "--raise-linalg=false",
                    os.path.join(FRONTENDS, "qwen3_moe.mlir"), "-o",
                    unraised], check=True)
    plain = CPULibrary(unraised)
    gen = torch.Generator().manual_seed(3)
    for t in (1, 5, 24):
        inputs = [torch.randn(t, 64, generator=gen),
                  1 + 0.1 * torch.randn(64, generator=gen),
                  torch.randn(8, 64, generator=gen),
                  0.2 * torch.randn(8, 64, 64, generator=gen),
                  0.2 * torch.randn(8, 64, 32, generator=gen)]
        inputs = [x.to(torch.bfloat16) for x in inputs]
        y = invoker.qwen3_moe(*inputs)
        (want,) = plain.call("qwen3_moe", *inputs)
        ok, detail = compare_close(y.float().numpy(), want.float().numpy(),
                                   "bf16", 2e-2)
        checks.report(f"qwen3_moe T={t} (torch, bf16)",
                      ok and y.dtype == torch.bfloat16 and
                      tuple(y.shape) == (t, 64), detail)

    for name, entry, tolerance in LAYERS:
        check_layer(checks, backend, args.cache, args.moe_compile, name, entry,
                    tolerance)

    with open(os.path.join(FRONTENDS, "norms.mlir")) as f:
        norms = backend.load(backend.compile(f.read()))
    rng = np.random.default_rng(5)
    x = rng.standard_normal((7, 64)).astype(np.float32)
    w = rng.standard_normal(64).astype(np.float32)
    y = norms.f32_rms_norm(x, w)
    x64 = x.astype(np.float64)
    want = x64 / np.sqrt((x64 ** 2).mean(-1, keepdims=True) + 1e-5) * w
    err = np.abs(y - want).max()
    checks.report("f32_rms_norm (numpy)",
                  isinstance(y, np.ndarray) and y.dtype == np.float32 and
                  err < 1e-5 * np.abs(want).max(), f"max abs err {err:.3g}")

    try:
        norms.no_such_entry
        checks.report("unknown entry", False, "no error")
    except AttributeError as e:
        checks.report("unknown entry", "expected one of" in str(e), str(e))
    try:
        norms.f32_rms_norm(x, 3)
        checks.report("argument kind", False, "no error")
    except ValueError as e:
        checks.report("argument kind", "expected a numpy array or a torch "
                      "tensor, found int" in str(e), str(e))
    checks.finish()


if __name__ == "__main__":
    main()
