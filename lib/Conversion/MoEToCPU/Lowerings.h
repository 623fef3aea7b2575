//===- Lowerings.h - pattern sets of the CPU reference lowering -*- C++ -*-===//
//
// Declares the per-family pattern sets that convert-moe-to-cpu combines.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_CONVERSION_MOETOCPU_LOWERINGS_H
#define MOE_CONVERSION_MOETOCPU_LOWERINGS_H

#include "mlir/Transforms/DialectConversion.h"

namespace mlir::moe::cpu {

void populateRoutingLoweringPatterns(RewritePatternSet &patterns);
void populateExpertLoweringPatterns(RewritePatternSet &patterns);
void populateNormLoweringPatterns(RewritePatternSet &patterns);
void populateCollectiveLoweringPatterns(RewritePatternSet &patterns);
void populateQuantLoweringPatterns(RewritePatternSet &patterns);

/// True when `op`'s group (named `group`) has exactly one rank: the
/// collectives these patterns lower (over more ranks they are runtime calls
/// before the conversion, CollectiveCalls.h).
bool isSingleRankGroup(Operation *op, StringRef group);

} // namespace mlir::moe::cpu

#endif // MOE_CONVERSION_MOETOCPU_LOWERINGS_H
