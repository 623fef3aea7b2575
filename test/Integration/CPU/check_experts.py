"""Checks the moe.experts entries of experts.mlir against reference.experts."""

import numpy as np

import reference
from harness import Harness, rand

h = Harness()
rng = np.random.default_rng(5)


def case(name, entry, tokens, hidden, inter, experts, k, dtype, act, ids=None,
         biases=False):
    """biases: False, True (of dtype) or the biases' dtype."""
    x = rand(rng, (tokens, hidden), dtype)
    w1 = rand(rng, (experts, 2 * inter, hidden), dtype, hidden ** -0.5)
    w2 = rand(rng, (experts, hidden, inter), dtype, inter ** -0.5)
    if ids is None:
        ids = np.stack([rng.permutation(experts)[:k] for _ in range(tokens)])
    ids = np.asarray(ids, dtype=np.int32)
    w = rng.random((tokens, k)).astype(np.float32)
    inputs = [x, w1, w2, w, ids]
    b1 = b2 = None
    if biases:
        # Biases as large as the GEMM outputs, so that a missing or
        # misplaced one is far outside the tolerance.
        bias_type = dtype if biases is True else biases
        b1 = rand(rng, (experts, 2 * inter), bias_type)
        b2 = rand(rng, (experts, hidden), bias_type)
        inputs += [b1, b2]
    want = reference.round_to(
        reference.experts(x, w1, w2, w, ids, act, b1, b2), dtype)
    (got,) = h.run(entry, inputs)
    h.close(name, got, want, dtype)


silu = ("silu_mul", "split")
for tokens in (1, 4, 19):
    case(f"silu T={tokens}", "silu", tokens, 32, 24, 8, 2, "bf16", silu)
case("silu every token to expert 3", "silu", 10, 32, 24, 8, 2, "bf16", silu,
     ids=np.tile([3, 3], (10, 1)))
case("silu experts 4-7 get nothing", "silu", 8, 32, 24, 8, 2, "bf16", silu,
     ids=np.stack([rng.permutation(4)[:2] for _ in range(8)]))
case("swiglu_oai interleaved k=E", "swiglu_oai", 6, 32, 16, 4, 4, "bf16",
     ("swiglu_oai", "interleaved", 1.702, 1.0, 7.0))
oai = ("swiglu_oai", "interleaved", 1.702, 1.0, 7.0)
for tokens in (1, 5, 17):
    case(f"swiglu_oai with biases T={tokens}", "swiglu_oai_biases", tokens, 32,
         16, 8, 4, "bf16", oai, biases=True)
case("silu split f16 with f32 biases, experts 4-7 get nothing", "silu_biases",
     7, 32, 24, 8, 2, "f16", silu,
     ids=np.stack([rng.permutation(4)[:2] for _ in range(7)]), biases="f32")
case("gelu interleaved f16", "gelu_f16", 3, 16, 8, 4, 2, "f16",
     ("gelu_mul", "interleaved"))
h.finish()
