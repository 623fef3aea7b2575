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
      if (failed(checkGroupedMatmulKernel(op, *chip)))
        return WalkResult::interrupt();
      std::string error;
      GroupedMatmulProblem problem =
          groupedMatmulProblem(op, gemmLoads, tokens);
      // A plan already there (edited by hand or by a tuner) is kept when it
      // can run on the chip, and diagnosed here when it cannot.
      if (GemmPlanAttr attr = op.getPlanAttr()) {
        if (planFromAttr(*chip, problem, attr, error))
          return WalkResult::advance();
        op.emitOpError() << "has a plan that cannot run on " << chip->name
                         << ": " << error;
        return WalkResult::interrupt();
      }
      std::optional<GroupedMatmulPlan> plan =
          planGroupedMatmul(*chip, problem, error);
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
