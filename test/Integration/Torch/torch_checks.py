"""What the Torch checks share: their arguments, counting PASS/FAIL lines,
and the experts' output in float64 (vLLM's fused_experts, one route at a
time)."""

import argparse
import sys

import torch


def parse_args():
    """--moe-compile, --cache, --device (cpu or cuda) and --backend (the
    CUDA backend library)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--moe-compile", required=True)
    parser.add_argument("--cache", required=True)
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--backend")
    return parser.parse_args()


class Checks:
    def __init__(self):
        self.checks = self.failures = 0

    def report(self, name, ok, detail):
        self.checks += 1
        self.failures += not ok
        print(f"{'PASS' if ok else 'FAIL'} {name}: {detail}")

    def finish(self):
        print(f"{self.checks - self.failures} passed, {self.failures} failed")
        sys.exit(1 if self.failures or not self.checks else 0)


def experts_reference(x, w1, w2, weights, ids, activation, b1=None,
                      b2=None):
    """y[t] = sum_j weights[t, j] * (act(w1[e] @ x[t] + b1[e]) @ w2[e]^T +
    b2[e]), e = ids[t, j], in float64 (the biases when given); w1 holds gate
    then up rows (interleaved for swigluoai)."""
    x, w1, w2 = x.double(), w1.double(), w2.double()
    inter = w2.shape[2]
    y = torch.zeros(x.shape, dtype=torch.float64, device=x.device)
    for t in range(x.shape[0]):
        for j in range(ids.shape[1]):
            e = int(ids[t, j])
            h = w1[e] @ x[t]
            if b1 is not None:
                h = h + b1[e].double()
            if activation == "swigluoai":
                gate, up = h[0::2].clamp(max=7.0), h[1::2].clamp(-7.0, 7.0)
                a = (up + 1) * gate * torch.sigmoid(1.702 * gate)
            else:
                gate, up = h[:inter], h[inter:]
                act = torch.nn.functional.silu if activation == "silu" else \
                    torch.nn.functional.gelu
                a = act(gate) * up
            d = w2[e] @ a
            if b2 is not None:
                d = d + b2[e].double()
            y[t] += float(weights[t, j]) * d
    return y
