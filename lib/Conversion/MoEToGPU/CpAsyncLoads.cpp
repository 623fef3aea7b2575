//===- CpAsyncLoads.cpp - staged loads through cp.async ------------------===//
//
// nvgpu.device_async_copy into each lane's place of its slot; the copies of
// a step form one group, and a wait counts the groups still in flight.
//
//===----------------------------------------------------------------------===//

#include "StagedLoads.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"

using namespace mlir;
using namespace mlir::moe;

namespace {

class CpAsyncLoads final : public StagedLoads {
public:
  CpAsyncLoads(StagingPlan plan, ValueRange buffers, Value wave, Value lane)
      : StagedLoads(plan, buffers, wave, lane) {}

  void endStep(ImplicitLocOpBuilder &b) override {
    Value group = nvgpu::DeviceAsyncCreateGroupOp::create(
        b, nvgpu::DeviceAsyncTokenType::get(b.getContext()), tokens);
    tokens.clear();
    if (!firstGroup)
      firstGroup = group;
  }

  void wait(ImplicitLocOpBuilder &b, int64_t pendingSteps) override {
    // cp.async.wait_group counts groups; its token operand is not used.
    nvgpu::DeviceAsyncWaitOp::create(b, firstGroup,
                                     b.getI32IntegerAttr(pendingSteps));
  }

protected:
  void copyPiece(ImplicitLocOpBuilder &b, Value buffer, Value base, Value src,
                 ValueRange at, bool streaming) override {
    auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
    Type element = cast<MemRefType>(src.getType()).getElementType();
    // cp.async.cg (L2 only) exists for 16-byte copies.
    bool bypassL1 =
        streaming && plan.pieceElems * element.getIntOrFloatBitWidth() == 128;
    Value dst = arith::AddIOp::create(
        b, base, arith::MulIOp::create(b, lane, idx(plan.pieceElems)));
    tokens.push_back(nvgpu::DeviceAsyncCopyOp::create(
        b, buffer, ValueRange{dst}, src, at, b.getIndexAttr(plan.pieceElems),
        /*srcElements=*/Value(), bypassL1 ? b.getUnitAttr() : UnitAttr()));
  }

private:
  SmallVector<Value> tokens; ///< copies of the open step
  Value firstGroup;          ///< the operand of every wait
};

} // namespace

std::unique_ptr<StagedLoads> mlir::moe::makeCpAsyncLoads(StagingPlan plan,
                                                         ValueRange buffers,
                                                         Value wave,
                                                         Value lane) {
  return std::make_unique<CpAsyncLoads>(plan, buffers, wave, lane);
}
