//===- MoEToCPU.cpp - the convert-moe-to-cpu pass -------------------------===//
//
// Lowers collectives over several ranks to runtime calls, then converts every
// other moe op.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/Passes.h"

#include "Lowerings.h"
#include "RefBuilder.h"

#include "moe/Conversion/CollectiveCalls.h"
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
  cpu::populateQuantLoweringPatterns(patterns);
}

/// Collectives over several ranks become calls of the runtime's
/// moe_collective_* (Open MPI for CPU libraries), the fused
/// all_reduce_add_rms_norm first split into all_reduce + add_rms_norm.
static LogicalResult lowerMultiRankCollectives(ModuleOp module) {
  SmallVector<AllReduceAddRMSNormOp> fused;
  module.walk([&](AllReduceAddRMSNormOp op) { fused.push_back(op); });
  for (AllReduceAddRMSNormOp op : fused) {
    FailureOr<int64_t> size = lookupGroupSize(op, op.getGroup());
    if (failed(size))
      return failure();
    if (*size != 1)
      splitAllReduceAddRMSNorm(op, *size);
  }
  return lowerCollectivesToCalls(module);
}

namespace {
struct ConvertMoEToCPUPass
    : mlir::moe::impl::ConvertMoEToCPUPassBase<ConvertMoEToCPUPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (failed(lowerMultiRankCollectives(module)))
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
