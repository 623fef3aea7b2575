//===- GroupLimitedScores.h - DeepSeek-V3's group-limited router scores ---===//
//
// Declares the matcher of DeepSeek-V3's masked selection scores.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_PASSES_GROUPLIMITEDSCORES_H
#define MOE_PASSES_GROUPLIMITEDSCORES_H

#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"
#include "mlir/Support/LLVM.h"

#include <string>

namespace mlir::moe::raise {

/// DeepSeek-V3's selection: `sigmoid(logits) + bias`, experts outside the
/// `keep` best of `groups` groups (a group's score: the sum of its two
/// highest) set to -inf.
struct GroupLimitedScores {
  Value logits;
  /// sigmoid(logits), the unbiased scores the routing weights are read from.
  Value scores;
  Value bias;
  int64_t groups = 0;
  int64_t keep = 0;
  /// The top-k sorts inside the selection (within each group, over the
  /// groups): part of this router, not routers of their own.
  SmallVector<Operation *, 2> innerSorts;
};

/// The group-limited selection whose masked scores are `masked`, or failure
/// with the reason.
FailureOr<GroupLimitedScores> matchGroupLimitedScores(Value masked,
                                                      std::string &reason);

} // namespace mlir::moe::raise

#endif // MOE_PASSES_GROUPLIMITEDSCORES_H
