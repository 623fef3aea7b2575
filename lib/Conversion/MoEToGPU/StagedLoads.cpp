//===- StagedLoads.cpp - per-lane global loads staged through LDS ---------===//
//
// Asynchronous copies into private shared-memory slots with
// nvgpu.device_async_copy (cp.async).
//
//===----------------------------------------------------------------------===//

#include "StagedLoads.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::moe;

/// The largest cp.async that divides `loadBytes`.
static std::optional<int64_t> pieceBytesFor(int64_t loadBytes) {
  for (int64_t s : {16, 8, 4})
    if (loadBytes % s == 0)
      return s;
  return std::nullopt;
}

std::optional<StagingPlan>
mlir::moe::planStagedLoads(const ChipInfo &chip, int64_t elementBytes,
                           int64_t loadElems, int64_t slots, int64_t steps,
                           int64_t waves, int64_t budgetBytes) {
  // AMD: global_load_lds (amdgpu.gather_to_lds) would do the copies, but
  // LLVM's waitcnt insertion cannot tell which slot an LDS DMA writes (no
  // alias scopes), so it puts vmcnt(0) before every LDS read and nothing
  // stays in flight; those kernels keep their loads in registers.
  if (chip.vendor != GPUVendor::NVIDIA)
    return std::nullopt;
  std::optional<int64_t> pieceBytes = pieceBytesFor(elementBytes * loadElems);
  if (!pieceBytes || slots <= 0)
    return std::nullopt;
  StagingPlan plan;
  plan.slots = slots;
  plan.pieceElems = *pieceBytes / elementBytes;
  plan.pieces = loadElems / plan.pieceElems;
  plan.waves = waves;
  plan.waveSize = chip.waveSize;
  int64_t stepBytes = slots * waves * chip.waveSize * loadElems * elementBytes;
  plan.stages = std::min(
      {kMaxStagedSteps, std::max<int64_t>(steps, 2), budgetBytes / stepBytes});
  if (plan.stages < 2)
    return std::nullopt;
  return plan;
}

int64_t mlir::moe::stagingBudgetBytes(const ChipInfo &chip) {
  return chip.vendor == GPUVendor::NVIDIA ? 48 * 1024 : 0;
}

Value StagedLoads::slotBase(ImplicitLocOpBuilder &b, Value stage, int64_t slot,
                            int64_t piece) {
  auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
  // [stage][slot][piece][wave][lane][elem]
  Value at = arith::AddIOp::create(
      b, arith::MulIOp::create(b, stage, idx(plan.slots * plan.pieces)),
      idx(slot * plan.pieces + piece));
  at = arith::AddIOp::create(b, arith::MulIOp::create(b, at, idx(plan.waves)),
                             wave);
  return arith::MulIOp::create(b, at, idx(plan.waveSize * plan.pieceElems));
}

void StagedLoads::copy(ImplicitLocOpBuilder &b, Value stage, int64_t slot,
                       Value src, ValueRange indices, bool streaming) {
  auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
  Type element = cast<MemRefType>(src.getType()).getElementType();
  Value laneOffset = arith::MulIOp::create(b, lane, idx(plan.pieceElems));
  for (int64_t p = 0; p < plan.pieces; ++p) {
    SmallVector<Value> at(indices);
    if (p > 0)
      at.back() = arith::AddIOp::create(b, at.back(), idx(p * plan.pieceElems));
    // cp.async.cg (L2 only) exists for 16-byte copies.
    bool bypassL1 =
        streaming && plan.pieceElems * element.getIntOrFloatBitWidth() == 128;
    Value dst =
        arith::AddIOp::create(b, slotBase(b, stage, slot, p), laneOffset);
    tokens.push_back(nvgpu::DeviceAsyncCopyOp::create(
        b, buffer, ValueRange{dst}, src, at, b.getIndexAttr(plan.pieceElems),
        /*srcElements=*/Value(), bypassL1 ? b.getUnitAttr() : UnitAttr()));
  }
}

void StagedLoads::endStep(ImplicitLocOpBuilder &b) {
  Value group = nvgpu::DeviceAsyncCreateGroupOp::create(
      b, nvgpu::DeviceAsyncTokenType::get(b.getContext()), tokens);
  tokens.clear();
  if (!firstGroup)
    firstGroup = group;
}

void StagedLoads::wait(ImplicitLocOpBuilder &b, int64_t pendingSteps) {
  // cp.async.wait_group counts groups; its token operand is not used.
  nvgpu::DeviceAsyncWaitOp::create(b, firstGroup,
                                   b.getI32IntegerAttr(pendingSteps));
}

Value StagedLoads::read(ImplicitLocOpBuilder &b, Value stage, int64_t slot) {
  auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
  Type element = cast<MemRefType>(buffer.getType()).getElementType();
  Value laneOffset = arith::MulIOp::create(b, lane, idx(plan.pieceElems));
  auto pieceType = VectorType::get({plan.pieceElems}, element);
  Value result;
  for (int64_t p = 0; p < plan.pieces; ++p) {
    Value at =
        arith::AddIOp::create(b, slotBase(b, stage, slot, p), laneOffset);
    Value piece = vector::LoadOp::create(b, pieceType, buffer, ValueRange{at});
    if (!result) {
      result = piece;
      continue;
    }
    // Append the piece: a shuffle of the two operands' elements in order.
    int64_t have = cast<VectorType>(result.getType()).getNumElements();
    SmallVector<int64_t> order =
        llvm::to_vector(llvm::seq<int64_t>(0, have + plan.pieceElems));
    if (plan.pieceElems != have) {
      // vector.shuffle takes operands of one type: widen the piece first.
      SmallVector<int64_t> widen(have, 0);
      for (int64_t i = 0; i < plan.pieceElems; ++i)
        widen[i] = i;
      piece = vector::ShuffleOp::create(b, piece, piece, widen);
      for (int64_t i = 0; i < plan.pieceElems; ++i)
        order[have + i] = have + i;
    }
    result = vector::ShuffleOp::create(b, result, piece, order);
  }
  return result;
}
