//===- GroupedMatmulQuant.cpp - quantized operands of the grouped GEMM ----===//
//
// What the grouped GEMM kernels take of fp8 operands (the check behind
// checkGroupedMatmulKernel) and the emitter's scale lookup: each run of the
// row-dot plan is multiplied by its group's scale (RowDotKernel.cpp).
//
//===----------------------------------------------------------------------===//

#include "GroupedMatmulEmitter.h"
#include "moe/Conversion/QuantRules.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

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
  for (auto [name, type] :
       {std::pair<StringRef, Type>{"a", op.getAType().getElementType()},
        {"w", op.getWType().getElementType()}}) {
    if (type.isBF16() || type.isF16() || isKernelFp8(type))
      continue;
    return op.emitOpError()
           << "has no " << chip.name << " kernel for '" << name
           << "' of element type " << type
           << " yet: expected bf16, f16, f8E4M3FN or f8E4M3FNUZ (fp4 runs "
              "on the CPU reference only)";
  }
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
