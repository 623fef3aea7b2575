//===- GroupedMatmulQuant.cpp - quantized operands of the grouped GEMM ----===//
//
// What the grouped GEMM kernels take of fp8 and fp4 operands (the check behind
// checkGroupedMatmulKernel) and the emitter's scale lookup: each run of the
// row-dot plan is multiplied by its group's scale (RowDotKernel.cpp).
//
//===----------------------------------------------------------------------===//

#include "GroupedMatmulEmitter.h"
#include "moe/Conversion/QuantRules.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::moe;

/// fp8 E4M3 (OCP or FNUZ), what the row-dot kernel widens to f32.
static bool isKernelFp8(Type type) {
  return isa<Float8E4M3FNType, Float8E4M3FNUZType>(type);
}

LogicalResult mlir::moe::checkQuantizedGemmOperands(GroupedMatmulOp op,
                                                    const ChipInfo &chip) {
  if (op.getOutQuantAttr())
    return op.emitOpError()
           << "has no " << chip.name
           << " kernel for a quantizing epilogue (out_quant) yet: quantize "
              "with moe.quantize after the GEMM (moe-optimize leaves it "
              "unfused on GPU targets)";
  Type aType = op.getAType().getElementType(),
       wType = op.getWType().getElementType();
  if (!aType.isBF16() && !aType.isF16() && !isKernelFp8(aType))
    return op.emitOpError()
           << "has no " << chip.name << " kernel for 'a' of element type "
           << aType
           << " yet: expected bf16, f16, f8E4M3FN or f8E4M3FNUZ (fp4 "
              "activations run on the CPU reference only)";
  if (!wType.isBF16() && !wType.isF16() && !isKernelFp8(wType) &&
      !isa<Float4E2M1FNType>(wType))
    return op.emitOpError()
           << "has no " << chip.name << " kernel for 'w' of element type "
           << wType
           << " yet: expected bf16, f16, f8E4M3FN, f8E4M3FNUZ or f4E2M1FN";
  Type result = cast<ShapedType>(op.getResult().getType()).getElementType();
  if (!result.isBF16() && !result.isF16() && !result.isF32())
    return op.emitOpError() << "expected a bf16, f16 or f32 result for the "
                            << chip.name << " kernel, got " << result;
  if (Value scales = op.getWScales();
      scales && !cast<ShapedType>(scales.getType()).hasStaticShape())
    return op.emitOpError() << "expected static weight scales for the kernel, "
                               "got "
                            << scales.getType();
  return success();
}

Value GroupedMatmulEmitter::zeroOf(Type type) {
  if (auto vec = dyn_cast<VectorType>(type))
    return arith::ConstantOp::create(
        b, DenseElementsAttr::get(vec, b.getZeroAttr(vec.getElementType())));
  return arith::ConstantOp::create(b, b.getZeroAttr(type));
}

/// The scale of the element at `indices` (its group's, #moe.quant),
/// loaded and widened to f32 (E8M0 for mx).
Value GroupedMatmulEmitter::scaleAt(Value scales, QuantAttr scheme,
                                    ValueRange indices) {
  Value s = memref::LoadOp::create(b, scales, scaleIndices(b, scheme, indices));
  if (!s.getType().isF32())
    s = arith::ExtFOp::create(b, b.getF32Type(), s);
  return s;
}

/// The memref of fp4 weights holds two codes a byte: its element type says
/// what the bytes hold, but its indexing does not apply (LLVM steps an i4
/// element by a whole byte), so the lanes address the bytes from the
/// buffer's pointer, as global memory.
Value GroupedMatmulEmitter::packedWeightBase() {
  Value address = memref::ExtractAlignedPointerAsIndexOp::create(b, w);
  auto global = LLVM::LLVMPointerType::get(b.getContext(), /*addressSpace=*/1);
  Value bits = arith::IndexCastOp::create(b, b.getI64Type(), address);
  return LLVM::IntToPtrOp::create(b, global, bits);
}

/// The kLoad / 2 bytes of weight row `row` of `expert` from k (a multiple
/// of kLoad, so 16-byte aligned: checkRowDotPlan has K a multiple of kLoad).
Value GroupedMatmulEmitter::loadPackedFp4Run(Value expert, Value row, Value k) {
  int64_t rows = op.getWType().getDimSize(1);
  Value element = arith::AddIOp::create(
      b,
      arith::MulIOp::create(
          b,
          arith::AddIOp::create(b, arith::MulIOp::create(b, expert, idx(rows)),
                                row),
          idx(depth)),
      k);
  Value byte = arith::IndexCastOp::create(
      b, b.getI64Type(), arith::DivUIOp::create(b, element, idx(2)));
  Value at = LLVM::GEPOp::create(b, wPacked.getType(), b.getI8Type(), wPacked,
                                 ValueRange{byte});
  auto type = VectorType::get({plan.kLoad / 2}, b.getI8Type());
  return LLVM::LoadOp::create(b, type, at, /*alignment=*/16);
}

/// E2M1 (sign, 2 exponent bits, 1 mantissa bit) placed in the f16 fields
/// (sign << 15 | exponent-mantissa << 9) is its value times 2^-14 exactly,
/// subnormal 0.5 included; the codes of each byte low nibble first. Byte b
/// of each 32-bit word becomes one f16 pair in 32-bit ops: its two nibbles
/// spread to bits 0-3 and 16-19, then their fields moved into place.
Value GroupedMatmulEmitter::widenPackedFp4(Value bytes, VectorType f32Type) {
  int64_t n = cast<VectorType>(bytes.getType()).getNumElements();
  int64_t words = n / 4;
  auto wordType = VectorType::get({words}, b.getI32Type());
  auto splat = [&](int64_t c) -> Value {
    return arith::ConstantOp::create(
        b,
        DenseElementsAttr::get(wordType, b.getIntegerAttr(b.getI32Type(), c)));
  };
  Value packed = vector::BitCastOp::create(b, wordType, bytes);
  // pairs[byte]: vector<2 x words> f16, word i's pair at 2i, 2i + 1.
  SmallVector<Value> pairs;
  for (int64_t byte = 0; byte < 4; ++byte) {
    Value v =
        byte ? arith::ShRUIOp::create(b, packed, splat(8 * byte)).getResult()
             : packed;
    Value spread = arith::OrIOp::create(
        b, arith::AndIOp::create(b, v, splat(0x0F)),
        arith::AndIOp::create(b, arith::ShLIOp::create(b, v, splat(12)),
                              splat(0x000F0000)));
    Value magnitude = arith::ShLIOp::create(
        b, arith::AndIOp::create(b, spread, splat(0x00070007)), splat(9));
    Value sign = arith::ShLIOp::create(
        b, arith::AndIOp::create(b, spread, splat(0x00080008)), splat(12));
    pairs.push_back(vector::BitCastOp::create(
        b, VectorType::get({2 * words}, b.getF16Type()),
        arith::OrIOp::create(b, magnitude, sign)));
  }
  // Element 8i + 2 byte + j is pairs[byte][2i + j].
  auto concat = [&](Value x, Value y) -> Value {
    int64_t size = cast<VectorType>(x.getType()).getNumElements();
    SmallVector<int64_t> all;
    for (int64_t i = 0; i < 2 * size; ++i)
      all.push_back(i);
    return vector::ShuffleOp::create(b, x, y, all);
  };
  Value all = concat(concat(pairs[0], pairs[1]), concat(pairs[2], pairs[3]));
  SmallVector<int64_t> order;
  for (int64_t i = 0; i < words; ++i)
    for (int64_t byte = 0; byte < 4; ++byte)
      for (int64_t j = 0; j < 2; ++j)
        order.push_back(byte * 2 * words + 2 * i + j);
  Value halves = vector::ShuffleOp::create(b, all, all, order);
  return arith::ExtFOp::create(b, f32Type, halves);
}
