//===- SharedTiles.cpp - workgroup tiles in a shared-memory ring ----------===//
//
// cp.async copies into swizzled shared-memory tiles and ldmatrix reads
// (nvgpu.device_async_copy, nvgpu.ldmatrix), and the addresses of the rows
// that warpgroup MMAs read.
//
//===----------------------------------------------------------------------===//

#include "SharedTiles.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::moe;

std::optional<int64_t> mlir::moe::sharedKTileOf(int64_t depth) {
  for (int64_t kTile : {64, 32})
    if (depth % kTile == 0)
      return kTile;
  return std::nullopt;
}

int64_t mlir::moe::sharedTileBudgetBytes(const ChipInfo &chip) {
  // Two workgroups per SM, less the 1 KiB the driver reserves for each.
  return chip.ldsBytes / 2 - 1024;
}

int64_t mlir::moe::sharedTileMaxBytes(const ChipInfo &chip) {
  return chip.ldsBytes - 1024;
}

static Value i64Constant(ImplicitLocOpBuilder &b, int64_t v) {
  return arith::ConstantIntOp::create(b, b.getI64Type(), v);
}

SharedTiles::SharedTiles(ImplicitLocOpBuilder &b, SharedTilePlan plan,
                         Value buffer)
    : plan(plan), buffer(buffer),
      elementBytes(cast<MemRefType>(buffer.getType())
                       .getElementType()
                       .getIntOrFloatBitWidth() /
                   8) {
  if (plan.alignBytes == 0)
    return;
  auto i64 = [&](int64_t v) { return i64Constant(b, v); };
  Value base = arith::IndexCastUIOp::create(
      b, b.getI64Type(),
      memref::ExtractAlignedPointerAsIndexOp::create(b, buffer));
  // (align - base % align) % align bytes up to the next aligned address.
  Value slack = arith::AndIOp::create(
      b, arith::SubIOp::create(b, i64(plan.alignBytes), base),
      i64(plan.alignBytes - 1));
  startAddress = arith::AddIOp::create(b, base, slack);
  start = arith::IndexCastUIOp::create(
      b, b.getIndexType(), arith::DivUIOp::create(b, slack, i64(elementBytes)));
}

Value SharedTiles::rowAddress(ImplicitLocOpBuilder &b, Value stage, bool ofB,
                              Value row) {
  auto i64 = [&](int64_t v) { return i64Constant(b, v); };
  Value stageBytes = arith::MulIOp::create(
      b, arith::IndexCastUIOp::create(b, b.getI64Type(), stage),
      i64(plan.stageElems() * elementBytes));
  Value rowInStage = arith::AddIOp::create(
      b, arith::IndexCastUIOp::create(b, b.getI64Type(), row),
      i64(ofB ? plan.aRows : 0));
  return arith::AddIOp::create(
      b, arith::AddIOp::create(b, startAddress, stageBytes),
      arith::MulIOp::create(b, rowInStage, i64(plan.kTile * elementBytes)));
}

/// Element offset of chunk `chunk` of row `row`: a 128-byte line holds
/// 128 / (chunks * 16) rows (or a row holds 256 / 128 lines); the chunk
/// index is XORed with the row's line (its low three bits with row % 8 in a
/// 256-byte row), so that eight consecutive rows read at one logical chunk
/// hit eight different 16-byte bank groups.
Value SharedTiles::offsetOf(ImplicitLocOpBuilder &b, Value stage, bool ofB,
                            Value row, Value chunk) {
  auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
  int64_t chunks = plan.chunks();
  // A 256-byte row (k tile 128) is two 128-byte lines: each is swizzled as
  // a 64-k row is (the low three bits of the chunk XORed with row % 8).
  Value line =
      chunks > 8
          ? arith::RemUIOp::create(b, row, idx(8)).getResult()
          : arith::RemUIOp::create(
                b, arith::DivUIOp::create(b, row, idx(8 / chunks)), idx(chunks))
                .getResult();
  Value swizzled = arith::XOrIOp::create(b, chunk, line);
  Value at = arith::AddIOp::create(
      b, arith::MulIOp::create(b, stage, idx(plan.stageElems())),
      idx(ofB ? plan.aRows * plan.kTile : 0));
  at = arith::AddIOp::create(b, at,
                             arith::MulIOp::create(b, row, idx(plan.kTile)));
  if (start)
    at = arith::AddIOp::create(b, at, start);
  return arith::AddIOp::create(b, at,
                               arith::MulIOp::create(b, swizzled, idx(8)));
}

void SharedTiles::copy(ImplicitLocOpBuilder &b, Value stage, bool ofB,
                       Value row, Value chunk, Value src, ValueRange indices,
                       Value valid, bool streaming) {
  auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
  Value dst = offsetOf(b, stage, ofB, row, chunk);
  // src-size 0 makes cp.async write zeros (padding rows, columns past N).
  Value srcElements = arith::SelectOp::create(b, valid, idx(8), idx(0));
  tokens.push_back(nvgpu::DeviceAsyncCopyOp::create(
      b, buffer, ValueRange{dst}, src, indices, b.getIndexAttr(8), srcElements,
      streaming ? b.getUnitAttr() : UnitAttr()));
}

void SharedTiles::commit(ImplicitLocOpBuilder &b) {
  Value group = nvgpu::DeviceAsyncCreateGroupOp::create(
      b, nvgpu::DeviceAsyncTokenType::get(b.getContext()), tokens);
  tokens.clear();
  if (!firstGroup)
    firstGroup = group;
}

void SharedTiles::waitAndSync(ImplicitLocOpBuilder &b, int64_t pending,
                              bool asyncProxy) {
  // cp.async.wait_group counts groups; its token operand is not used.
  nvgpu::DeviceAsyncWaitOp::create(b, firstGroup, b.getI32IntegerAttr(pending));
  // cp.async writes through the generic proxy; wgmma reads through the
  // async proxy, which sees them only after a proxy fence.
  if (asyncProxy)
    NVVM::FenceProxyOp::create(
        b,
        NVVM::ProxyKindAttr::get(b.getContext(), NVVM::ProxyKind::async_shared),
        NVVM::SharedSpaceAttr::get(b.getContext(),
                                   NVVM::SharedSpace::shared_cta));
  gpu::BarrierOp::create(b);
}

SmallVector<Value> SharedTiles::readMatrices(ImplicitLocOpBuilder &b,
                                             Value stage, bool ofB, Value row,
                                             Value chunk, int64_t tiles) {
  Type element = cast<MemRefType>(buffer.getType()).getElementType();
  auto type = VectorType::get({tiles, 2}, element);
  Value at = offsetOf(b, stage, ofB, row, chunk);
  Value m = nvgpu::LdMatrixOp::create(b, type, buffer, ValueRange{at},
                                      b.getBoolAttr(false),
                                      b.getI32IntegerAttr(tiles));
  SmallVector<Value> regs;
  for (int64_t i = 0; i < tiles; ++i)
    regs.push_back(vector::ExtractOp::create(b, m, i));
  return regs;
}
