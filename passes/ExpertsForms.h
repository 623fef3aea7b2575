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

/// Fills x, w1, w2 and the flat ids of `m` from Hugging Face's batched_mm
/// experts whose weighted routes `[S, H]` are `o`.
LogicalResult matchBatchedExperts(Value o, int64_t k, ExpertsMatch &m,
                                  std::string &reason);

/// The ids `[T, k]` when `flat` `[S]` is `view(ids, [-1])`, possibly clamped
/// to `[0, E)` (dropped only when the ids come from a top-k over E).
Value matchRouteIds(Value flat, int64_t numExperts, std::string &reason);

/// Fills x, w1 (gate), w1Up, w2 and ids of `m` from sharktank's
/// pre-gathered experts whose routes `[T, k, H]` are `o`.
LogicalResult matchPreGatheredExperts(Value o, ExpertsMatch &m,
                                      std::string &reason);

} // namespace mlir::moe::raise

#endif // MOE_PASSES_EXPERTSFORMS_H
