//===- StagedLoads.cpp - per-lane global loads staged through LDS ---------===//
//
// Asynchronous copies into private LDS slots: nvgpu.device_async_copy
// (cp.async) on NVIDIA, amdgpu.gather_to_lds (global_load_lds) on AMD.
//
//===----------------------------------------------------------------------===//

#include "StagedLoads.h"

#include "mlir/Dialect/AMDGPU/IR/AMDGPUDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::moe;

/// The largest copy a lane can start on `chip` that divides `loadBytes`.
static std::optional<int64_t> pieceBytesFor(const ChipInfo &chip,
                                            int64_t loadBytes) {
  for (int64_t s : chip.asyncCopyBytes)
    if (loadBytes % s == 0)
      return s;
  return std::nullopt;
}

/// gfx9's vmcnt counts at most 63 outstanding vector memory instructions.
static constexpr int64_t kMaxVmcnt = 63;

std::optional<StagingPlan>
mlir::moe::planStagedLoads(const ChipInfo &chip, int64_t elementBytes,
                           int64_t loadElems, int64_t slots, int64_t steps,
                           int64_t waves, int64_t budgetBytes) {
  std::optional<int64_t> pieceBytes =
      pieceBytesFor(chip, elementBytes * loadElems);
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
  // AMD waits count instructions: the steps in flight behind the one read.
  if (chip.vendor == GPUVendor::AMD)
    plan.stages = std::min(plan.stages, kMaxVmcnt / (slots * plan.pieces) + 1);
  if (plan.stages < 2)
    return std::nullopt;
  return plan;
}

int64_t mlir::moe::stagingBudgetBytes(const ChipInfo &chip) {
  // AMD: half, so that two workgroups share a CU.
  return chip.vendor == GPUVendor::NVIDIA ? chip.staticLdsBytes
                                          : chip.staticLdsBytes / 2;
}

Value StagedLoads::slotBase(ImplicitLocOpBuilder &b, int64_t slot,
                            int64_t piece) {
  auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
  // [slot][piece][wave][lane][elem]
  Value at = arith::AddIOp::create(
      b, idx((slot * plan.pieces + piece) * plan.waves), wave);
  return arith::MulIOp::create(b, at, idx(plan.waveSize * plan.pieceElems));
}

void StagedLoads::copy(ImplicitLocOpBuilder &b, int64_t stage, int64_t slot,
                       Value src, ValueRange indices, bool streaming) {
  auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
  Type element = cast<MemRefType>(src.getType()).getElementType();
  Value buffer = buffers[stage];
  for (int64_t p = 0; p < plan.pieces; ++p) {
    SmallVector<Value> at(indices);
    if (p > 0)
      at.back() = arith::AddIOp::create(b, at.back(), idx(p * plan.pieceElems));
    Value base = slotBase(b, slot, p);
    if (chip.vendor == GPUVendor::NVIDIA) {
      // cp.async.cg (L2 only) exists for 16-byte copies.
      bool bypassL1 =
          streaming && plan.pieceElems * element.getIntOrFloatBitWidth() == 128;
      Value dst = arith::AddIOp::create(
          b, base, arith::MulIOp::create(b, lane, idx(plan.pieceElems)));
      tokens.push_back(nvgpu::DeviceAsyncCopyOp::create(
          b, buffer, ValueRange{dst}, src, at, b.getIndexAttr(plan.pieceElems),
          /*srcElements=*/Value(), bypassL1 ? b.getUnitAttr() : UnitAttr()));
    } else {
      // The wave writes its lanes' data contiguously from the base.
      Type transfer = plan.pieceElems == 1
                          ? element
                          : VectorType::get({plan.pieceElems}, element);
      amdgpu::GatherToLDSOp::create(b, src, at, buffer, ValueRange{base},
                                    TypeAttr::get(transfer));
    }
  }
}

void StagedLoads::endStep(ImplicitLocOpBuilder &b) {
  if (chip.vendor != GPUVendor::NVIDIA)
    return;
  Value group = nvgpu::DeviceAsyncCreateGroupOp::create(
      b, nvgpu::DeviceAsyncTokenType::get(b.getContext()), tokens);
  tokens.clear();
  if (!firstGroup)
    firstGroup = group;
}

void StagedLoads::wait(ImplicitLocOpBuilder &b, int64_t pendingSteps) {
  if (chip.vendor == GPUVendor::NVIDIA) {
    // cp.async.wait_group counts groups; its token operand is not used.
    nvgpu::DeviceAsyncWaitOp::create(b, firstGroup,
                                     b.getI32IntegerAttr(pendingSteps));
    return;
  }
  // vmcnt counts the wave's vector memory instructions, in issue order.
  int32_t count = pendingSteps * plan.slots * plan.pieces;
  amdgpu::MemoryCounterWaitOp::create(b, b.getI32IntegerAttr(count),
                                      IntegerAttr(), IntegerAttr(),
                                      IntegerAttr(), IntegerAttr());
}

Value StagedLoads::read(ImplicitLocOpBuilder &b, int64_t stage, int64_t slot) {
  auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
  Value buffer = buffers[stage];
  Type element = cast<MemRefType>(buffer.getType()).getElementType();
  Value laneOffset = arith::MulIOp::create(b, lane, idx(plan.pieceElems));
  auto pieceType = VectorType::get({plan.pieceElems}, element);
  IntegerAttr align = b.getI64IntegerAttr(plan.pieceElems *
                                          element.getIntOrFloatBitWidth() / 8);
  Value result;
  for (int64_t p = 0; p < plan.pieces; ++p) {
    Value at = arith::AddIOp::create(b, slotBase(b, slot, p), laneOffset);
    Value piece = vector::LoadOp::create(b, pieceType, buffer, ValueRange{at},
                                         /*nontemporal=*/false, align);
    if (!result) {
      result = piece;
      continue;
    }
    // Append the piece: a shuffle of the two operands' elements in order
    // (vector.shuffle takes operands of one type: widen the piece first).
    int64_t have = cast<VectorType>(result.getType()).getNumElements();
    SmallVector<int64_t> order =
        llvm::to_vector(llvm::seq<int64_t>(0, have + plan.pieceElems));
    if (plan.pieceElems != have) {
      SmallVector<int64_t> widen(have, 0);
      for (int64_t i = 0; i < plan.pieceElems; ++i)
        widen[i] = i;
      piece = vector::ShuffleOp::create(b, piece, piece, widen);
    }
    result = vector::ShuffleOp::create(b, result, piece, order);
  }
  return result;
}
