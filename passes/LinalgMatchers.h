//===- LinalgMatchers.h - read linalg-on-tensors as torch-mlir emits it ---===//
//
// Declares the matchers --moe-raise-linalg builds its patterns from.
//
//===----------------------------------------------------------------------===//
//
// torch-mlir lowers each aten op to one linalg.generic (elementwise ops,
// reductions, gathers) or a named op (batch_matmul). These matchers read one
// such generic at a time: what its body computes and from which inputs. They
// decide nothing about MoE; the raise patterns compose them.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_PASSES_LINALGMATCHERS_H
#define MOE_PASSES_LINALGMATCHERS_H

#include "moe/Dialect/TMTensor/TMTensor.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <optional>

namespace mlir::moe::raise {

/// The linalg.generic whose result `v` is, or null.
linalg::GenericOp producer(Value v);

/// Whether every loop of `g` is parallel, it has one output and the output's
/// map is the identity (an elementwise op, inputs possibly broadcast).
bool isElementwise(linalg::GenericOp g);

/// Whether input `i` of the elementwise `g` is read at every output index
/// unchanged (identity map, same shape as the output).
bool readsWhole(linalg::GenericOp g, unsigned i);

/// Whether input `i` of the elementwise rank-2 `g` is a `[T, 1]` or `[T]`
/// operand broadcast along the last dimension (map `(d0, d1) -> (d0, 0)` or
/// `(d0, d1) -> (d0)`).
bool readsRowBroadcast(linalg::GenericOp g, unsigned i);

/// The operation that computes the value `g` yields as result `i`, or null
/// when a block argument or an outside value is yielded.
Operation *yieldedOp(linalg::GenericOp g, unsigned i = 0);

/// The input of `g` whose block argument is `v`, or null (also null for
/// values defined outside the body and for output block arguments).
Value inputOf(linalg::GenericOp g, Value v);

/// The float the value `v` of a body holds when it is an arith.constant
/// (defined in or outside the body), else nothing.
std::optional<double> constantFloat(Value v);

/// The constant a body value `v` of `g` holds: an arith.constant (in or
/// outside the body, possibly cast), or the block argument of a 0-d input
/// that is a constant (a splat `arith.constant dense<c> : tensor<f32>`, or a
/// `linalg.fill` of one: a Python scalar the FX importer made a tensor).
std::optional<double> scalarOperand(linalg::GenericOp g, Value v);

/// The constant every element of `v` holds: a `linalg.fill` of a constant,
/// or a generic broadcasting a 0-d constant tensor (aten.zeros_like,
/// aten.full); nothing otherwise.
std::optional<double> splatValue(Value v);

/// `v` without a multiplication by the constant 1 (aten's `alpha` of
/// add/sub, when not folded away).
Value withoutUnitScale(Value v);

/// `v` before arith.extf / arith.truncf of a scalar in a body.
Value throughScalarCasts(Value v);

/// The input indices `(a, b)` of the elementwise `g` when its body is one
/// `OpTy(a, b)` of its two inputs' block arguments (`b` possibly times 1).
template <typename OpTy>
std::optional<std::pair<unsigned, unsigned>> binaryInputs(linalg::GenericOp g) {
  if (!g || !isElementwise(g) || g.getNumDpsInputs() != 2)
    return std::nullopt;
  auto op = dyn_cast_or_null<OpTy>(yieldedOp(g));
  if (!op)
    return std::nullopt;
  // Mixed-type aten ops convert their operands in the body.
  auto a = dyn_cast<BlockArgument>(throughScalarCasts(op->getOperand(0)));
  auto b = dyn_cast<BlockArgument>(
      throughScalarCasts(withoutUnitScale(op->getOperand(1))));
  if (!a || !b || a.getOwner() != g.getBody() || b.getOwner() != g.getBody() ||
      a.getArgNumber() >= 2 || b.getArgNumber() >= 2 ||
      a.getArgNumber() == b.getArgNumber())
    return std::nullopt;
  return std::make_pair(a.getArgNumber(), b.getArgNumber());
}

/// The operands `(a, b)` of the rank-2 elementwise `g` computing `OpTy(a,
/// b)` with `a` read at every index and `b` broadcast along each row
/// (`[T, 1]` or `[T]`): a division by a row sum, a subtraction of a row
/// maximum.
template <typename OpTy>
std::optional<std::pair<Value, Value>>
wholeOpRowBroadcast(linalg::GenericOp g) {
  auto ins = binaryInputs<OpTy>(g);
  if (!ins || !readsWhole(g, ins->first) || !readsRowBroadcast(g, ins->second))
    return std::nullopt;
  return std::make_pair(g.getDpsInputOperand(ins->first)->get(),
                        g.getDpsInputOperand(ins->second)->get());
}

/// The input `x` when `v` is an elementwise generic whose body is one `OpTy`
/// of `x`'s block argument.
template <typename OpTy> Value matchUnary(Value v) {
  linalg::GenericOp g = producer(v);
  if (!g || !isElementwise(g) || g.getNumDpsInputs() != 1 || !readsWhole(g, 0))
    return {};
  auto op = dyn_cast_or_null<OpTy>(yieldedOp(g));
  if (!op)
    return {};
  return inputOf(g, op->getOperand(0));
}

/// The tensor `x` when `v` is an elementwise `arith.extf` of `x`
/// (prims.convert_element_type to a wider float), else `v` itself.
Value throughExtF(Value v);

/// A reduction of the last dimension of a tensor.
enum class Reduction { Add, Max };

/// The reduced input when `v` is result 0 of a generic reducing the last
/// dimension of one input of rank 2 or more with `kind` (into the leading
/// dimensions, or them and a trailing 1); further results (torch-mlir's
/// argmax of aten.max.dim) are allowed.
Value matchLastDimReduction(Value v, Reduction kind);

/// Whether the comparator of `sort` orders its first operand descending:
/// `a0 >= b0` or `a0 > b0` (or the same as `b0 <= a0`).
bool sortsDescending(tm_tensor::SortOp sort);

/// Whether `v` is an iota along `dim`: a generic without inputs yielding
/// `linalg.index dim` (cast to an integer).
bool isIota(Value v, int64_t dim);

/// The logits `x` when `v` is torch-mlir's decomposed softmax of `x` over
/// the last dimension: `exp(x - max(x)) / sum(exp(x - max(x)))`.
Value matchSoftmax(Value v);

/// The logits `x` when `v` is torch-mlir's sigmoid of `x`:
/// `1 / (1 + exp(-x))` in one generic.
Value matchSigmoid(Value v);

/// Whether `size` is the row count (dimension 0) of `tensor`: a constant
/// equal to a static size, or `tensor.dim` of a tensor that shares its rows
/// with `tensor` through the ops before it (linalg ops whose loop d0 maps to
/// dimension 0 of both, reshapes that keep dimension 0, tm_tensor.sort), or
/// the size a `tensor.empty` on that path was created with.
bool isRowCount(Value size, Value tensor);

/// k when `slice` takes the first k entries along the last dimension and
/// everything along the others (offsets 0, strides 1; a dynamic size only
/// for dimension 0, when it is the source's row count).
std::optional<int64_t> firstColumnsOfAllRows(tensor::ExtractSliceOp slice);

/// `v` with its elements converted to `elementType` by one elementwise
/// generic (extsi / trunci between integers, extf / truncf between floats);
/// `v` itself when the types agree.
Value castElements(OpBuilder &b, Location loc, Value v, Type elementType);

/// `v` before any chain of order-keeping reshapes (expand_shape,
/// collapse_shape) and tensor.casts.
Value throughReshapes(Value v);

/// `v` before elementwise float extensions and truncations (precision
/// changes that the raised ops replace by their f32 computation).
Value throughFloatCasts(Value v);

/// Size `d` of the ranked tensor `v`; -1 when `v` has no such dimension.
int64_t dimOf(Value v, int64_t d);

/// Rank of the ranked tensor `v`; -1 for other types.
int64_t rankOf(Value v);

/// Whether `v` is a ranked tensor with static sizes.
bool isStatic(Value v);

} // namespace mlir::moe::raise

#endif // MOE_PASSES_LINALGMATCHERS_H
