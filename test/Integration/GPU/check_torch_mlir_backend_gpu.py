"""moe_mlir.torch_mlir.MoEMlirBackend on an sm_90 GPU: loads the Qwen3-MoE
model-IR layer (test/Frontends/qwen3_moe.mlir, compiled elsewhere: load needs
no compiler) and calls it with CUDA bf16 tensors and with CPU bf16 tensors;
each result against numpy (check_model_ir.py's reference), bf16 tolerance.
"""

import argparse
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "CPU"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "python"))

from harness import compare_close, rand  # noqa: E402
import reference  # noqa: E402
from moe_mlir.torch_mlir import CompiledArtifact, MoEMlirBackend  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lib", required=True)
    parser.add_argument("--backend-lib", required=True)
    args = parser.parse_args()
    backend = MoEMlirBackend(target="sm_90", runtime_backend=args.backend_lib)
    invoker = backend.load(CompiledArtifact(args.lib, "sm_90", ""))
    rng = np.random.default_rng(13)
    failures = checks = 0
    for tokens in (1, 7, 40):
        x = rand(rng, (tokens, 64), "bf16")
        norm_w = reference.round_to(rand(rng, (64,), "bf16", 0.1) + 1, "bf16")
        router_w = rand(rng, (8, 64), "bf16")
        gate_up = rand(rng, (8, 64, 64), "bf16", 64 ** -0.5)
        down = rand(rng, (8, 64, 32), "bf16", 32 ** -0.5)
        inputs = [x, norm_w, router_w, gate_up, down]
        want = reference.round_to(reference.qwen3_moe_fixture(*inputs), "bf16")
        cuda = [torch.from_numpy(np.ascontiguousarray(a)).to(torch.bfloat16)
                .cuda() for a in inputs]
        y = invoker.qwen3_moe(*cuda)
        results = [("torch", y.float().cpu().numpy(), y.is_cuda)]
        # CPU tensors in: the invoker of a GPU library moves them.
        y2 = invoker.qwen3_moe(*[torch.from_numpy(
            np.ascontiguousarray(a)).to(torch.bfloat16) for a in inputs])
        results.append(("torch CPU tensors in", y2.float().cpu().numpy(),
                        True))
        for name, got, on_gpu in results:
            ok, message = compare_close(got, want, "bf16")
            ok = ok and on_gpu
            checks += 1
            failures += not ok
            print(f"{'PASS' if ok else 'FAIL'} qwen3_moe via MoEMlirBackend "
                  f"({name}) T={tokens}: {message}")
    print(f"{checks - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
