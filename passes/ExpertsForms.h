//===- ExpertsForms.h - the experts forms --moe-raise-linalg reads -------===//
//
// Declares the matchers of the two expert-computation forms (Hugging Face's
// batched_mm, sharktank's pre-gathered) that raise to moe.experts.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_PASSES_EXPERTSFORMS_H
#define MOE_PASSES_EXPERTSFORMS_H

#include "RaisePatterns.h"

#include <optional>
#include <string>

namespace mlir::moe::raise {

/// The pair (gate, up) when `v` is `silu(gate) * up` as torch-mlir lowers
/// it: `mul(mul(sigmoid(g), g), u)`, casts between the steps allowed.
std::optional<std::pair<Value, Value>> matchSiluTimesUp(Value v);

/// gpt-oss's gated activation (GptOssExperts._apply_gate) of `gateUp`
/// `[S, 2I]`: `g = min(gateUp[:, 0::2], limit)`,
/// `u = clamp(gateUp[:, 1::2], -limit, limit)`,
/// `(u + beta) * (g * sigmoid(g * alpha))`, the constants as the body's
/// element type holds them.
struct SwigluOaiMatch {
  Value gateUp;
  double alpha = 0, beta = 0, limit = 0;
};

/// The SwiGLU-OAI activation whose result is `v`, or nothing.
std::optional<SwigluOaiMatch> matchSwigluOai(Value v);

/// Fills x, w1, w2, the flat ids and (when present) the biases, the
/// activation and the transposition of `m` from Hugging Face's batched_mm
/// experts whose routes `[S, H]` (before the routing weight) are `o`.
LogicalResult matchBatchedExperts(Value o, int64_t k, ExpertsMatch &m,
                                  std::string &reason);

/// Whether `flat` `[T * k]` is Hugging Face's token index of each route,
/// `arange(T).unsqueeze(1).expand(-1, k).reshape(-1)`, T the rows of `x`.
bool isRouteTokenIndex(Value flat, int64_t k, Value x);

/// The ids `[T, k]` when `flat` `[S]` is `view(ids, [-1])`, possibly clamped
/// to `[0, E)` (dropped only when the ids come from a top-k over E).
Value matchRouteIds(Value flat, int64_t numExperts, std::string &reason);

/// Checks the operands `m` holds after a form matched them (weight and
/// bias shapes for hidden size `hidden`, ids from a top-k when clamped,
/// element types); `m.ids` becomes the `[T, k]` ids.
LogicalResult checkExpertsMatch(ExpertsMatch &m, int64_t hidden,
                                std::string &reason);

/// Fills x, w1 (gate), w1Up, w2 and ids of `m` from sharktank's
/// pre-gathered experts whose routes `[T, k, H]` are `o`.
LogicalResult matchPreGatheredExperts(Value o, ExpertsMatch &m,
                                      std::string &reason);

} // namespace mlir::moe::raise

#endif // MOE_PASSES_EXPERTSFORMS_H
