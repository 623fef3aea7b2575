//===- MoEQuantOps.cpp - the quantization scheme and its ops --------------===//
//
// Verifies #moe.quant, moe.quantize and moe.dequantize and derives scale
// shapes.
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/MoE/MoE.h"

#include "ShapeChecks.h"

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::detail;

//===----------------------------------------------------------------------===//
// QuantAttr
//===----------------------------------------------------------------------===//

LogicalResult QuantAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                QuantKind kind,
                                std::optional<int64_t> blockRows,
                                std::optional<int64_t> blockCols) {
  bool hasBlock = blockRows.has_value() || blockCols.has_value();
  if (kind == QuantKind::Block && !hasBlock)
    return emitError() << "expected block sizes after 'block' "
                          "(#moe.quant<block [rows, cols]>)";
  if (kind != QuantKind::Block && hasBlock)
    return emitError() << "expected no block sizes for '"
                       << stringifyQuantKind(kind) << "'";
  if (hasBlock && (!blockRows || !blockCols))
    return emitError() << "expected two block sizes [rows, cols]";
  if (hasBlock && (*blockRows < 1 || *blockCols < 1))
    return emitError() << "expected block sizes of at least 1, got ["
                       << *blockRows << ", " << *blockCols << "]";
  return success();
}

/// ceil(size / by), dynamic for a dynamic size.
static int64_t ceilDivSize(int64_t size, int64_t by) {
  return ShapedType::isDynamic(size) ? size : llvm::divideCeil(size, by);
}

SmallVector<int64_t> QuantAttr::getScaleShape(ArrayRef<int64_t> shape) const {
  if (getKind() == QuantKind::PerTensor)
    return SmallVector<int64_t>(
        shape.drop_back(std::min<size_t>(shape.size(), 2)));
  SmallVector<int64_t> scale(shape.drop_back(2));
  int64_t rows = shape[shape.size() - 2], cols = shape.back();
  switch (getKind()) {
  case QuantKind::PerRow:
    scale.push_back(rows);
    break;
  case QuantKind::Block:
    scale.push_back(ceilDivSize(rows, *getBlockRows()));
    scale.push_back(ceilDivSize(cols, *getBlockCols()));
    break;
  case QuantKind::Mx:
    scale.push_back(rows);
    scale.push_back(ShapedType::isDynamic(cols) ? cols : cols / kMxBlock);
    break;
  case QuantKind::PerTensor:
    break;
  }
  return scale;
}

bool QuantAttr::isRowScheme() const {
  return getKind() == QuantKind::PerRow || getKind() == QuantKind::Mx ||
         (getKind() == QuantKind::Block && getBlockRows() == 1);
}

Type QuantAttr::getScaleElementType(MLIRContext *context) const {
  if (getKind() == QuantKind::Mx)
    return Float8E8M0FNUType::get(context);
  return Float32Type::get(context);
}

//===----------------------------------------------------------------------===//
// Shared checks
//===----------------------------------------------------------------------===//

/// Checks a quantized tensor `values` (named `name`) and its `scales` against
/// `scheme`: rank, the mx block, f4 only with mx, the scales' type and shape.
LogicalResult mlir::moe::verifyQuantizedOperand(Operation *op, StringRef name,
                                                Value values, Value scales,
                                                QuantAttr scheme) {
  auto type = cast<RankedTensorType>(values.getType());
  std::string scaleName = (name + " scales").str();
  if (type.getRank() < 1)
    return op->emitOpError()
           << "expected '" << name << "' of rank 1 or more, got rank 0";
  if (scheme.getKind() != QuantKind::PerTensor && type.getRank() < 2)
    return op->emitOpError()
           << "expected '" << name << "' of rank 2 or more for the '"
           << stringifyQuantKind(scheme.getKind())
           << "' scheme ([..., rows, cols]), got rank " << type.getRank();
  if (isa<Float4E2M1FNType>(type.getElementType()) &&
      scheme.getKind() != QuantKind::Mx)
    return op->emitOpError()
           << "expected the 'mx' scheme for f4E2M1FN '" << name
           << "' (MXFP4), got '" << stringifyQuantKind(scheme.getKind()) << "'";
  if (scheme.getKind() == QuantKind::Mx && type.getRank() >= 1) {
    int64_t cols = type.getShape().back();
    if (!ShapedType::isDynamic(cols) && cols % QuantAttr::kMxBlock != 0)
      return op->emitOpError()
             << "expected the last dimension of '" << name
             << "' to be a multiple of " << QuantAttr::kMxBlock
             << " (the mx block), got " << cols;
  }
  Type scaleType = scheme.getScaleElementType(op->getContext());
  if (failed(checkElementType(op, scaleName, scales, scaleType,
                              scheme.getKind() == QuantKind::Mx
                                  ? "mx scales are powers of two"
                                  : "scales of this scheme are f32")))
    return failure();
  return checkExactShape(op, scaleName, scales,
                         scheme.getScaleShape(type.getShape()),
                         "one per group of the scheme");
}

//===----------------------------------------------------------------------===//
// QuantizeOp, DequantizeOp
//===----------------------------------------------------------------------===//

LogicalResult QuantizeOp::verify() {
  Operation *op = getOperation();
  if (failed(checkExactShape(op, "values", getValues(),
                             getInput().getType().getShape(),
                             "the shape of the input")))
    return failure();
  return verifyQuantizedOperand(op, "values", getValues(), getScales(),
                                getScheme());
}

LogicalResult DequantizeOp::verify() {
  Operation *op = getOperation();
  if (failed(checkExactShape(op, "result", getResult(),
                             getValues().getType().getShape(),
                             "the shape of the values")))
    return failure();
  return verifyQuantizedOperand(op, "values", getValues(), getScales(),
                                getScheme());
}
