//===- ShapeChecks.h - shape checks shared by moe op verifiers --*- C++ -*-===//
//
// Helpers that compare tensor shapes and word expected-vs-found diagnostics.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_DIALECT_MOE_SHAPECHECKS_H
#define MOE_DIALECT_MOE_SHAPECHECKS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "llvm/Support/MathExtras.h"

#include <string>

namespace mlir::moe::detail {

/// "[?, 4096]" for a shape, "?" for a dynamic size.
std::string formatShape(ArrayRef<int64_t> shape);
std::string formatDim(int64_t size);

/// True when two sizes may be equal: both static and equal, or either dynamic.
inline bool sizesAgree(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

/// `a * b`, dynamic if either is dynamic or the product overflows.
inline int64_t mulSizes(int64_t a, int64_t b) {
  int64_t product;
  if (ShapedType::isDynamic(a) || ShapedType::isDynamic(b) ||
      llvm::MulOverflow(a, b, product))
    return ShapedType::kDynamic;
  return product;
}

/// Checks that `value` (named `name`, described as `dims`, e.g. "[T, H]") has
/// rank `rank`.
LogicalResult checkRank(Operation *op, StringRef name, Value value,
                        int64_t rank, StringRef dims);

/// Checks that dimension `dim` of `value` agrees with `expected`; `what`
/// names where `expected` comes from (e.g. "H from x").
LogicalResult checkDim(Operation *op, StringRef name, Value value, int64_t dim,
                       int64_t expected, StringRef what);

/// Checks that dimension `dim` of `value` is static and equal to `expected`.
/// Fails unless dim `dim` of `value` is dynamic or at least 1 (`what`
/// names it, e.g. "H"): a zero-sized H, I, E or k has no meaning in a layer.
LogicalResult checkNonEmptyDim(Operation *op, StringRef name, Value value,
                               int64_t dim, StringRef what);

LogicalResult checkStaticDim(Operation *op, StringRef name, Value value,
                             int64_t dim, int64_t expected, StringRef what);

/// Checks that `value` has the element type `expected` (named by `what`).
LogicalResult checkElementType(Operation *op, StringRef name, Value value,
                               Type expected, StringRef what);

/// Checks that `value` has exactly the shape `expected`, dynamic sizes where
/// `expected` has them (used for results whose sizes follow from operands).
LogicalResult checkExactShape(Operation *op, StringRef name, Value value,
                              ArrayRef<int64_t> expected, StringRef why);

/// Checks that `value` is a power of two in [lo, hi] (attribute `name`).
LogicalResult checkPowerOfTwo(Operation *op, StringRef name, int64_t value,
                              int64_t lo, int64_t hi);

/// Checks the attributes and shapes every RMSNorm form shares: eps > 0,
/// a finite offset and a `[H]` weight matching the last dimension of `x`.
LogicalResult checkRMSNorm(Operation *op, Value x, Value weight,
                           float epsilon, float offset);

} // namespace mlir::moe::detail

#endif // MOE_DIALECT_MOE_SHAPECHECKS_H
