"""moe_mlir.torch_mlir.MoEMlirBackend on the model-IR fixtures of
test/Frontends, CPU target:
- the Qwen3-MoE layer (torch bf16 tensors in and out): the backend's library
  (moe-compile raises the layer) against the library of the same IR compiled
  as it is (--raise-linalg=false), within 2e-2 (the model IR rounds to bf16
  at twice as many places);
- an f32 RMSNorm with numpy arrays in and out, against numpy in float64;
- bad calls: an entry the module lacks, an argument of another kind.
"""

import os
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
