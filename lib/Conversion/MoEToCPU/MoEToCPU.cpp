//===- MoEToCPU.cpp - the convert-moe-to-cpu pass -------------------------===//
//
// Validates that every moe op can run on one CPU rank, then converts them all.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/Passes.h"

#include "Lowerings.h"
#include "RefBuilder.h"

#include "moe/Conversion/SizeChecks.h"
#include "moe/Dialect/MoE/MoE.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::moe {
#define GEN_PASS_DEF_CONVERTMOETOCPUPASS
#include "moe/Conversion/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

void mlir::moe::populateMoEToCPUPatterns(RewritePatternSet &patterns) {
  cpu::populateRoutingLoweringPatterns(patterns);
  cpu::populateExpertLoweringPatterns(patterns);
  cpu::populateNormLoweringPatterns(patterns);
  cpu::populateCollectiveLoweringPatterns(patterns);
}

/// The CPU reference runs one rank: a collective over a larger group is a
/// diagnostic before any rewrite happens.
static LogicalResult checkSingleRank(ModuleOp module) {
  WalkResult result = module.walk([](Operation *op) {
    auto collective = dyn_cast<CollectiveOpInterface>(op);
    if (!collective)
      return WalkResult::advance();
    StringRef group = collective.getGroupName();
    FailureOr<int64_t> size = lookupGroupSize(op, group);
    if (failed(size))
      return WalkResult::interrupt();
    if (*size == 1)
      return WalkResult::advance();
    op->emitOpError() << "runs over group '" << group << "' of " << *size
                      << " ranks; the CPU reference runs one rank (expected a "
                         "group of size 1)";
    return WalkResult::interrupt();
  });
  return failure(result.wasInterrupted());
}

namespace {
struct ConvertMoEToCPUPass
    : mlir::moe::impl::ConvertMoEToCPUPassBase<ConvertMoEToCPUPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (failed(checkSingleRank(module)))
      return signalPassFailure();
    bool hasMoEOps = false;
    module.walk([&](Operation *op) {
      hasMoEOps |= isa<MoEDialect>(op->getDialect());
    });
    if (hasMoEOps)
      declareCheckState(module);
    // The checks of ops that passes rewrote (moe.check_size), lowered as on
    // GPU targets.
    lowerCheckSizeOps(module);
    ConversionTarget target(getContext());
    target.addIllegalDialect<MoEDialect>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(&getContext());
    populateMoEToCPUPatterns(patterns);
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
