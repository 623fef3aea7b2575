//===- RefBuilder.h - builders for the CPU reference lowering ---*- C++ -*-===//
//
// Emits scalar loops over tensors (scf, tensor, arith, math) with f32 math.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_CONVERSION_MOETOCPU_REFBUILDER_H
#define MOE_CONVERSION_MOETOCPU_REFBUILDER_H

#include "moe/Dialect/MoE/MoE.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::moe::cpu {

/// A thin layer over ImplicitLocOpBuilder for the reference lowering: index
/// and f32 constants, element loads widened to f32, stores narrowed to the
/// tensor's element type, and loops/ifs that thread tensors through
/// iter_args (value semantics; one-shot bufferization makes them in place).
class RefBuilder {
public:
  explicit RefBuilder(ImplicitLocOpBuilder &b) : b(b) {}

  ImplicitLocOpBuilder &builder() { return b; }

  Value idx(int64_t v);
  Value f32(double v);
  Value i32(int64_t v);
  Value dim(Value tensor, int64_t d);

  /// tensor.extract, widened to f32 for floating-point element types.
  Value loadF32(Value tensor, ValueRange indices);
  /// A floating-point scalar widened to f32 (identity for f32).
  Value widen(Value v);
  /// tensor.extract as is (integers).
  Value load(Value tensor, ValueRange indices);
  /// tensor.insert of `value` (an f32 is rounded to the element type).
  Value store(Value value, Value tensor, ValueRange indices);
  /// Rounds an f32 to `type` (round to nearest even); identity for f32.
  Value toElement(Value f32Value, Type type);

  /// A tensor of `type` whose dynamic sizes are `dynSizes`, filled with `v`.
  Value filled(RankedTensorType type, ValueRange dynSizes, Value v);
  /// Size `d` of `type`: a constant when static, else `dynamic` (the value
  /// the lowering sized it with).
  Value sizeOf(RankedTensorType type, int64_t d, Value dynamic);
  /// The dynamic sizes of `tensor`, in order.
  SmallVector<Value> dynamicSizes(Value tensor);

  using LoopBody =
      function_ref<SmallVector<Value>(RefBuilder &, Value iv, ValueRange)>;
  /// scf.for from lb to ub (step 1) threading `iters`; returns the results.
  SmallVector<Value> loop(Value lb, Value ub, ValueRange iters, LoopBody body);

  using IfBody = function_ref<SmallVector<Value>(RefBuilder &)>;
  /// A run-time check that `found == expected` (index values) for a size
  /// relation of `op` that the verifier could not prove (dynamic sizes). On
  /// failure the first failing check's id and values are recorded in the
  /// `moe_check_state` global, which the runtime reads after each call;
  /// `what` becomes the check's message in the module's
  /// `moe.check_messages` list. Returns the i1 `found == expected`.
  Value requireEqual(Operation *op, Value found, Value expected,
                     StringRef what);
  /// A run-time check that every expert id of `ids` ([T, k] i32) is in
  /// [0, bound) (index; a null bound checks only id >= 0): the number of
  /// routes outside, the first one's id and its token are recorded as a
  /// route check of `op` named `what` ("route ids outside [0, 128)").
  void requireRouteIdsIn(Operation *op, Value ids, Value bound, StringRef what);
  /// The conjunction of i1 values (true for none).
  Value all(ArrayRef<Value> conditions);

  /// scf.if whose else branch yields `passThrough` unchanged.
  SmallVector<Value> ifThen(Value cond, ValueRange passThrough, IfBody then);

  // f32 arithmetic.
  Value add(Value x, Value y);
  Value sub(Value x, Value y);
  Value mul(Value x, Value y);
  Value div(Value x, Value y);
  Value exp(Value x);
  Value sigmoid(Value x);
  // index arithmetic and comparisons.
  Value addi(Value x, Value y);
  Value muli(Value x, Value y);
  Value cmpi(arith::CmpIPredicate p, Value x, Value y);
  Value andi(Value x, Value y);
  Value select(Value c, Value x, Value y);
  Value indexToF32(Value v);
  Value i32ToIndex(Value v);
  Value indexToI32(Value v);

private:
  ImplicitLocOpBuilder &b;
};


/// out = act(gate, up) in f32 for a gated activation.
Value emitGatedActivation(RefBuilder &rb, ActivationAttr act, Value gate,
                          Value up);

/// The input columns of output column `n` of a gated activation with `inter`
/// output columns: {gate column, up column}.
std::pair<Value, Value> gateUpColumns(RefBuilder &rb, GateUpLayout layout,
                                      Value n, Value inter);

/// sum_i a[aIdx..., i] * w[wIdx..., i] over i in [0, len) in f32.
Value emitDot(RefBuilder &rb, Value a, ValueRange aPrefix, Value w,
              ValueRange wPrefix, Value len);

} // namespace mlir::moe::cpu

#endif // MOE_CONVERSION_MOETOCPU_REFBUILDER_H
