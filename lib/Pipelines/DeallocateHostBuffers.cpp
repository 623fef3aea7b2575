//===- DeallocateHostBuffers.cpp - free what host functions own ----------===//
//
// moe-deallocate-host-buffers: upstream's buffer-deallocation-pipeline on
// each host function that allocates or drops a buffer it is given.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/Passes.h"

#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Pass/PassManager.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOEDEALLOCATEHOSTBUFFERSPASS
#include "moe/Conversion/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;

/// Whether `func` allocates, or uses a buffer returned by a call other than
/// by passing it on to its results (directly or through scf.yield).
static bool ownsBuffers(func::FuncOp func) {
  WalkResult owns = func.walk([](Operation *op) {
    if (isa<memref::AllocOp, memref::AllocaOp, memref::ReallocOp,
            bufferization::CloneOp>(op))
      return WalkResult::interrupt();
    auto call = dyn_cast<func::CallOp>(op);
    if (!call)
      return WalkResult::advance();
    for (Value result : call.getResults()) {
      if (!isa<BaseMemRefType>(result.getType()))
        continue;
      for (Operation *user : result.getUsers())
        if (!isa<scf::YieldOp, func::ReturnOp>(user))
          return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return owns.wasInterrupted();
}

namespace {
struct MoEDeallocateHostBuffersPass
    : moe::impl::MoEDeallocateHostBuffersPassBase<
          MoEDeallocateHostBuffersPass> {
  static OpPassManager deallocationPipeline() {
    OpPassManager pipeline(func::FuncOp::getOperationName());
    bufferization::buildBufferDeallocationPipeline(pipeline, {});
    return pipeline;
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    Base::getDependentDialects(registry);
    deallocationPipeline().getDependentDialects(registry);
  }
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal() || !ownsBuffers(func))
      return;
    OpPassManager pipeline = deallocationPipeline();
    if (failed(runPipeline(pipeline, func)))
      signalPassFailure();
  }
};
} // namespace
