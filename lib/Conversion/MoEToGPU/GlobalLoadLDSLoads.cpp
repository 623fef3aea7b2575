//===- GlobalLoadLDSLoads.cpp - staged loads through global_load_lds -----===//
//
// amdgpu.gather_to_lds: the wave writes its lanes' pieces contiguously from
// the slot's base; a wait counts the wave's vector memory instructions
// (vmcnt), in issue order, so steps need no closing.
//
//===----------------------------------------------------------------------===//

#include "StagedLoads.h"

#include "mlir/Dialect/AMDGPU/IR/AMDGPUDialect.h"

using namespace mlir;
using namespace mlir::moe;

namespace {

class GlobalLoadLDSLoads final : public StagedLoads {
public:
  GlobalLoadLDSLoads(StagingPlan plan, ValueRange buffers, Value wave,
                     Value lane)
      : StagedLoads(plan, buffers, wave, lane) {}

  void endStep(ImplicitLocOpBuilder &) override {}

  void wait(ImplicitLocOpBuilder &b, int64_t pendingSteps) override {
    int32_t count = pendingSteps * plan.slots * plan.pieces;
    amdgpu::MemoryCounterWaitOp::create(b, b.getI32IntegerAttr(count),
                                        IntegerAttr(), IntegerAttr(),
                                        IntegerAttr(), IntegerAttr());
  }

protected:
  void copyPiece(ImplicitLocOpBuilder &b, Value buffer, Value base, Value src,
                 ValueRange at, bool) override {
    Type element = cast<MemRefType>(src.getType()).getElementType();
    Type transfer = plan.pieceElems == 1
                        ? element
                        : VectorType::get({plan.pieceElems}, element);
    amdgpu::GatherToLDSOp::create(b, src, at, buffer, ValueRange{base},
                                  TypeAttr::get(transfer));
  }
};

} // namespace

std::unique_ptr<StagedLoads>
mlir::moe::makeGlobalLoadLDSLoads(StagingPlan plan, ValueRange buffers,
                                  Value wave, Value lane) {
  return std::make_unique<GlobalLoadLDSLoads>(plan, buffers, wave, lane);
}
