//===- WarpgroupMMA.cpp - sm_90a warpgroup MMAs from shared memory --------===//
//
// Matrix descriptors (PTX ISA, "Matrix Descriptor Format" of wgmma) and the
// nvvm.wgmma ops.
//
//===----------------------------------------------------------------------===//

#include "WarpgroupMMA.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

#include <cassert>

using namespace mlir;
using namespace mlir::moe;

Value mlir::moe::warpgroupDescriptor(ImplicitLocOpBuilder &b, Value address,
                                     int64_t rowBytes) {
  assert((rowBytes == 128 || rowBytes == 64) && "a swizzled K-major row");
  auto i64 = [&](int64_t v) {
    return arith::ConstantIntOp::create(b, b.getI64Type(), v);
  };
  // Bits 0-13: address >> 4 (18-bit shared addresses); 16-29: the leading
  // byte offset >> 4, unused by swizzled K-major operands whose 16 k fit a
  // row (1 by convention); 32-45: the stride byte offset >> 4 between
  // 8-row groups; 49-51: base offset 0 (the rows start at pattern
  // boundaries); 62-63: swizzle mode, 1 = 128 bytes, 2 = 64 bytes.
  uint64_t swizzle = rowBytes == 128 ? 1 : 2;
  uint64_t fixed = (uint64_t{1} << 16) |
                   (static_cast<uint64_t>(8 * rowBytes >> 4) << 32) |
                   (swizzle << 62);
  Value start = arith::AndIOp::create(
      b, arith::ShRUIOp::create(b, address, i64(4)), i64(0x3fff));
  return arith::OrIOp::create(b, start, i64(static_cast<int64_t>(fixed)));
}

void mlir::moe::warpgroupFence(ImplicitLocOpBuilder &b) {
  NVVM::WgmmaFenceAlignedOp::create(b);
}

SmallVector<Value> mlir::moe::warpgroupMMA(ImplicitLocOpBuilder &b, bool bf16,
                                           Value aDescriptor, Value bDescriptor,
                                           ArrayRef<Value> acc) {
  MLIRContext *ctx = b.getContext();
  int64_t n = 2 * static_cast<int64_t>(acc.size());
  auto structType = LLVM::LLVMStructType::getLiteral(
      ctx, SmallVector<Type>(acc.size(), b.getF32Type()));
  Value inouts = LLVM::UndefOp::create(b, structType);
  for (auto [i, v] : llvm::enumerate(acc))
    inouts = LLVM::InsertValueOp::create(b, inouts, v, i);
  NVVM::WGMMATypes type = bf16 ? NVVM::WGMMATypes::bf16 : NVVM::WGMMATypes::f16;
  Value sums = NVVM::WgmmaMmaAsyncOp::create(
      b, structType, inouts, aDescriptor, bDescriptor,
      NVVM::MMAShapeAttr::get(ctx, kWarpgroupRows, n, 16), type, type,
      NVVM::WGMMATypes::f32, NVVM::WGMMAScaleOut::one, NVVM::WGMMAScaleIn::one,
      NVVM::WGMMAScaleIn::one, NVVM::MMALayout::row, NVVM::MMALayout::col,
      /*satfinite=*/nullptr);
  SmallVector<Value> result;
  for (size_t i = 0; i < acc.size(); ++i)
    result.push_back(LLVM::ExtractValueOp::create(b, sums, i));
  return result;
}

void mlir::moe::warpgroupCommitAndWait(ImplicitLocOpBuilder &b,
                                       int64_t pending) {
  NVVM::WgmmaGroupSyncAlignedOp::create(b);
  NVVM::WgmmaWaitGroupSyncOp::create(b, pending);
}
