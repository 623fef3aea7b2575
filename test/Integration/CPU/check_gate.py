"""Checks the moe.gate entries of gate.mlir against reference.gate."""

import numpy as np

import reference
from harness import Harness, rand

h = Harness()
rng = np.random.default_rng(7)


def case(name, entry, inputs, **options):
    want_w, want_ids = reference.gate(*inputs, **options)
    got_w, got_ids = h.run(entry, [x for x in inputs if x is not None])
    h.exact(f"{name} ids", got_ids, want_ids)
    h.close(f"{name} weights", got_w, want_w, "f32")


case("softmax k=E", "softmax_renorm", [rand(rng, (16, 8), "f32", 2.0)],
     top_k=8, scoring="softmax", renormalize=True)
# bf16 logits have exact ties; both sides give them to the lower expert id.
case("softmax top-2 bf16", "softmax_top2", [rand(rng, (16, 8), "bf16", 2.0)],
     top_k=2, scoring="softmax", renormalize=True)
for tokens in (1, 7):
    case(f"softmax f16 T={tokens}", "softmax_plain",
         [rand(rng, (tokens, 32), "f16", 2.0)], top_k=3, scoring="softmax")
logits = rand(rng, (12, 32), "f32", 2.0)
bias = rand(rng, (32,), "f32", 0.5)
want_w, want_ids = reference.gate(logits, 4, "sigmoid", bias=bias,
                                  renormalize=True, n_group=8, topk_group=3,
                                  scaling=2.5)
got_w, got_ids = h.run("sigmoid_grouped", [logits, bias])
h.exact("sigmoid grouped ids", got_ids, want_ids)
h.close("sigmoid grouped weights", got_w, want_w, "f32")
# Every selected expert lies in one of the 3 kept groups of 4 experts.
h.exact("sigmoid grouped: at most 3 groups used",
        np.array([len(set((row // 4).tolist())) <= 3 for row in got_ids]),
        np.ones(12, dtype=bool))
logits = rand(rng, (5, 16), "bf16", 2.0)
bias = rand(rng, (16,), "f32", 0.5)
want_w, want_ids = reference.gate(logits, 6, "sigmoid", bias=bias)
got_w, got_ids = h.run("sigmoid_bias_only", [logits, bias])
h.exact("sigmoid bias ids", got_ids, want_ids)
h.close("sigmoid bias weights", got_w, want_w, "f32")


# NaN logits (moe.gate's docs): a NaN selection score ranks as -inf, ids stay
# k distinct experts, the weights of NaN scores are NaN.
def nan_case(name, entry, inputs, **options):
    with np.errstate(invalid="ignore"):
        want_w, want_ids = reference.gate(inputs[0], **options)
    got_w, got_ids = h.run(entry, inputs)
    h.exact(f"{name} ids", got_ids, want_ids)
    h.exact(f"{name} NaN weights", np.isnan(got_w), np.isnan(want_w))
    h.close(f"{name} other weights", np.nan_to_num(got_w),
            np.nan_to_num(want_w), "f32")


logits = rand(rng, (4, 32), "f16", 2.0)
logits[1, 5] = np.nan
nan_case("softmax, a NaN logit", "softmax_plain", [logits], top_k=3,
         scoring="softmax")
logits = rand(rng, (5, 16), "bf16", 2.0)
bias = rand(rng, (16,), "f32", 0.5)
logits[2, [0, 3, 9]] = np.nan
logits[4, :] = np.nan
nan_case("sigmoid with bias, NaN logits", "sigmoid_bias_only",
         [logits, bias], top_k=6, scoring="sigmoid", bias=bias)
logits = rand(rng, (6, 32), "f32", 2.0)
bias = rand(rng, (32,), "f32", 0.5)
logits[0, 4:8] = np.nan
logits[3, ::3] = np.nan
logits[5, :] = np.nan
nan_case("sigmoid grouped, NaN logits", "sigmoid_grouped", [logits, bias],
         top_k=4, scoring="sigmoid", bias=bias, renormalize=True, n_group=8,
         topk_group=3, scaling=2.5)
h.finish()
