//===- ShapeChecks.cpp - shape checks shared by moe op verifiers ----------===//
//
// Implements the expected-vs-found shape and type diagnostics of the verifiers.
//
//===----------------------------------------------------------------------===//

#include "ShapeChecks.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace mlir;
using namespace mlir::moe::detail;

std::string mlir::moe::detail::formatDim(int64_t size) {
  return ShapedType::isDynamic(size) ? "?" : std::to_string(size);
}

std::string mlir::moe::detail::formatShape(ArrayRef<int64_t> shape) {
  std::string text = "[";
  llvm::raw_string_ostream os(text);
  llvm::interleaveComma(shape, os, [&](int64_t d) { os << formatDim(d); });
  os << "]";
  return text;
}

LogicalResult mlir::moe::detail::checkRank(Operation *op, StringRef name,
                                           Value value, int64_t rank,
                                           StringRef dims) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getRank() == rank)
    return success();
  return op->emitOpError() << "expected '" << name << "' of rank " << rank
                           << " " << dims << ", got rank " << type.getRank()
                           << " " << formatShape(type.getShape());
}

LogicalResult mlir::moe::detail::checkDim(Operation *op, StringRef name,
                                          Value value, int64_t dim,
                                          int64_t expected, StringRef what) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t found = type.getDimSize(dim);
  if (sizesAgree(found, expected))
    return success();
  return op->emitOpError() << "expected dim " << dim << " of '" << name
                           << "' to be " << formatDim(expected) << " (" << what
                           << "), got " << formatDim(found) << " in "
                           << formatShape(type.getShape());
}

LogicalResult mlir::moe::detail::checkNonEmptyDim(Operation *op, StringRef name,
                                                  Value value, int64_t dim,
                                                  StringRef what) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t found = type.getDimSize(dim);
  if (ShapedType::isDynamic(found) || found >= 1)
    return success();
  return op->emitOpError() << "expected dim " << dim << " of '" << name << "' ("
                           << what << ") to be >= 1, got " << found << " in "
                           << formatShape(type.getShape());
}

LogicalResult mlir::moe::detail::checkStaticDim(Operation *op, StringRef name,
                                                Value value, int64_t dim,
                                                int64_t expected,
                                                StringRef what) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t found = type.getDimSize(dim);
  if (found == expected)
    return success();
  return op->emitOpError() << "expected dim " << dim << " of '" << name
                           << "' to be " << formatDim(expected) << " (" << what
                           << "), got " << formatDim(found) << " in "
                           << formatShape(type.getShape());
}

LogicalResult mlir::moe::detail::checkPowerOfTwo(Operation *op, StringRef name,
                                                 int64_t value, int64_t lo,
                                                 int64_t hi) {
  if (value >= lo && value <= hi && llvm::isPowerOf2_64(value))
    return success();
  return op->emitOpError() << "expected '" << name
                           << "' to be a power of two in [" << lo << ", " << hi
                           << "], got " << value;
}

LogicalResult mlir::moe::detail::checkElementType(Operation *op,
                                                  StringRef name, Value value,
                                                  Type expected,
                                                  StringRef what) {
  Type found = cast<ShapedType>(value.getType()).getElementType();
  if (found == expected)
    return success();
  return op->emitOpError() << "expected '" << name << "' element type "
                           << expected << " (" << what << "), got " << found;
}

LogicalResult mlir::moe::detail::checkExactShape(Operation *op, StringRef name,
                                                 Value value,
                                                 ArrayRef<int64_t> expected,
                                                 StringRef why) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getShape() == expected)
    return success();
  return op->emitOpError() << "expected '" << name << "' of shape "
                           << formatShape(expected) << " (" << why
                           << "), got " << formatShape(type.getShape());
}

LogicalResult mlir::moe::detail::checkRMSNorm(Operation *op, Value x,
                                              Value weight, float epsilon,
                                              float offset) {
  if (!(epsilon > 0.0f) || !std::isfinite(epsilon))
    return op->emitOpError() << "expected 'eps' > 0, got " << epsilon;
  if (!std::isfinite(offset))
    return op->emitOpError() << "expected a finite 'offset', got " << offset;
  auto xType = cast<RankedTensorType>(x.getType());
  if (xType.getRank() < 1)
    return op->emitOpError()
           << "expected 'x' of rank >= 1 ([..., H]), got a 0-d tensor";
  if (failed(checkRank(op, "weight", weight, 1, "[H]")) ||
      failed(checkNonEmptyDim(op, "x", x, xType.getRank() - 1, "H")))
    return failure();
  return checkDim(op, "weight", weight, 0, xType.getShape().back(),
                  "H, the last dim of x");
}
