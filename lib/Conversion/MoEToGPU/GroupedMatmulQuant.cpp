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
  return LLVM::LoadOp::create(b, wVecType, at, /*alignment=*/16);
}
