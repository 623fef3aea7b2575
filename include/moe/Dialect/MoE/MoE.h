//===- MoE.h - the moe dialect ----------------------------------*- C++ -*-===//
//
// Public header of the moe dialect: its dialect class, enums, attributes and ops.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_DIALECT_MOE_MOE_H
#define MOE_DIALECT_MOE_MOE_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <optional>
#include <string>

#include "MoE/MoEDialect.h.inc"
#include "MoE/MoEEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "MoE/MoEAttrs.h.inc"

namespace mlir::moe {
/// A size relation between two operands of an op: dim `foundDim` of operand
/// `found` equals dim `expectedDim` of operand `expected` divided by
/// `divisor`. `what` says it in words for the run-time check's message.
struct OperandSizeRelation {
  unsigned found, foundDim, expected, expectedDim;
  int64_t divisor;
  llvm::StringLiteral what;
};
} // namespace mlir::moe

#include "MoE/MoEInterfaces.h.inc"

#define GET_OP_CLASSES
#include "MoE/MoEOps.h.inc"

namespace mlir::moe {

/// The group size of `group` in the layout that encloses `op` (the nearest
/// `moe.parallel` attribute on a function or module), or a diagnostic on `op`.
FailureOr<int64_t> lookupGroupSize(Operation *op, StringRef group);

/// R_max of moe.align: roundup(routes + experts * (blockM - 1), blockM), or
/// ShapedType::kDynamic when `routes` is dynamic or the sum overflows.
int64_t computeMaxPaddedRoutes(int64_t routes, int64_t experts,
                               int64_t blockM);

/// R_max of moe.align for `routes` (T * k) as IR: a constant when `routes`
/// is one (and computeMaxPaddedRoutes does not overflow), else index
/// arithmetic of the same formula. AlignOp::reifyResultShapes uses it.
OpFoldResult reifyMaxPaddedRoutes(OpBuilder &b, Location loc,
                                  OpFoldResult routes, int64_t experts,
                                  int64_t blockM);

/// Checks a quantized tensor `values` (named `name` in diagnostics) and its
/// `scales` against `scheme`: rank, the mx block, f4E2M1FN only with mx, and
/// the scales' element type and shape.
LogicalResult verifyQuantizedOperand(Operation *op, StringRef name,
                                     Value values, Value scales,
                                     QuantAttr scheme);

/// A token bucket (MoEDialect::getTokenBucketAttrName): the function serves
/// the calls of the dispatcher `of` with T in [min, max] (max: nullopt, no
/// bound), and its kernels are planned for T = expected.
struct TokenBucket {
  std::string of;
  int64_t min = 1;
  std::optional<int64_t> max;
  int64_t expected = 1;
};

/// The bucket an attribute spells, or nullopt when it is malformed (`why`
/// then says what was expected).
std::optional<TokenBucket> parseTokenBucket(Attribute attr, std::string &why);

/// The attribute that spells `bucket`.
DictionaryAttr tokenBucketAttr(MLIRContext *ctx, const TokenBucket &bucket);

/// The token bucket of the function that holds `op` (or is `op`), if any.
std::optional<TokenBucket> enclosingTokenBucket(Operation *op);

/// The token count `op`'s kernels are planned for: its function's bucket's
/// expected T, else `fallback` (the pass option).
int64_t expectedTokens(Operation *op, int64_t fallback);

} // namespace mlir::moe

#endif // MOE_DIALECT_MOE_MOE_H
