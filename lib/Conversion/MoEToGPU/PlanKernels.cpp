//===- PlanKernels.cpp - kernel plans of the grouped GEMMs ----------------===//
//
// Implements --moe-plan-kernels.
//
//===----------------------------------------------------------------------===//

#include "GroupedMatmulPlan.h"
#include "moe/Conversion/Passes.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOEPLANKERNELSPASS
#include "moe/Conversion/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

namespace {
struct MoEPlanKernelsPass
    : mlir::moe::impl::MoEPlanKernelsPassBase<MoEPlanKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    const ChipInfo *chip = lookupChip(target);
    if (!chip) {
      getOperation()->emitError()
          << "unknown --moe-plan-kernels target '" << target
          << "'; expected one of: " << knownChipNames();
      return signalPassFailure();
    }
    WalkResult result = getOperation()->walk([&](GroupedMatmulOp op) {
      if (op.getPlanAttr())
        return WalkResult::advance();
      if (failed(checkGroupedMatmulKernel(op, *chip)))
        return WalkResult::interrupt();
      std::string error;
      std::optional<GroupedMatmulPlan> plan =
          planGroupedMatmul(*chip, groupedMatmulProblem(op, gemmLoads), error);
      if (!plan) {
        op.emitOpError() << error;
        return WalkResult::interrupt();
      }
      op.setPlanAttr(toAttr(&getContext(), *plan));
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
