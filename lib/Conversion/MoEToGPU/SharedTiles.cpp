//===- SharedTiles.cpp - workgroup tiles in a shared-memory ring ----------===//
//
// cp.async copies into swizzled shared-memory tiles and ldmatrix reads
// (nvgpu.device_async_copy, nvgpu.ldmatrix).
//
//===----------------------------------------------------------------------===//

#include "SharedTiles.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
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

/// Element offset of chunk `chunk` of row `row`: a 128-byte line holds
/// 128 / (chunks * 16) rows; the chunk index is XORed with the row's line,
/// so that eight consecutive rows read at one logical chunk hit eight
/// different 16-byte bank groups.
Value SharedTiles::offsetOf(ImplicitLocOpBuilder &b, Value stage, bool ofB,
                            Value row, Value chunk) {
  auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
  int64_t chunks = plan.chunks(), rowsPerLine = 8 / chunks;
  Value line = arith::RemUIOp::create(
      b, arith::DivUIOp::create(b, row, idx(rowsPerLine)), idx(chunks));
  Value swizzled = arith::XOrIOp::create(b, chunk, line);
  Value at = arith::AddIOp::create(
      b, arith::MulIOp::create(b, stage, idx(plan.stageElems())),
      idx(ofB ? plan.aRows * plan.kTile : 0));
  at = arith::AddIOp::create(b, at,
                             arith::MulIOp::create(b, row, idx(plan.kTile)));
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

void SharedTiles::waitAndSync(ImplicitLocOpBuilder &b, int64_t pending) {
  // cp.async.wait_group counts groups; its token operand is not used.
  nvgpu::DeviceAsyncWaitOp::create(b, firstGroup, b.getI32IntegerAttr(pending));
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
