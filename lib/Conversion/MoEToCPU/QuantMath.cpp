//===- QuantMath.cpp - scalar quantization math of the CPU reference ------===//
//
// Implements the rules of moe.quantize and moe.dequantize as scalar f32 ops.
//
//===----------------------------------------------------------------------===//

#include "QuantMath.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::cpu;

SmallVector<Value> mlir::moe::cpu::scaleSizes(RefBuilder &rb, QuantAttr scheme,
                                              ArrayRef<Value> sizes) {
  ImplicitLocOpBuilder &b = rb.builder();
  size_t rank = sizes.size();
  if (scheme.getKind() == QuantKind::PerTensor)
    return SmallVector<Value>(sizes.drop_back(std::min<size_t>(rank, 2)));
  SmallVector<Value> scale(sizes.drop_back(2));
  Value rows = sizes[rank - 2], cols = sizes[rank - 1];
  switch (scheme.getKind()) {
  case QuantKind::Block:
    scale.push_back(
        arith::CeilDivUIOp::create(b, rows, rb.idx(*scheme.getBlockRows())));
    scale.push_back(
        arith::CeilDivUIOp::create(b, cols, rb.idx(*scheme.getBlockCols())));
    break;
  case QuantKind::Mx:
    scale.push_back(rows);
    scale.push_back(
        arith::DivUIOp::create(b, cols, rb.idx(QuantAttr::kMxBlock)));
    break;
  default:
    scale.push_back(rows);
  }
  return scale;
}

Value mlir::moe::cpu::requireScaleSizes(RefBuilder &rb, Operation *op,
                                        StringRef name, Value values,
                                        Value scales, QuantAttr scheme) {
  ImplicitLocOpBuilder &b = rb.builder();
  auto valuesType = cast<RankedTensorType>(values.getType());
  int64_t rank = valuesType.getRank();
  SmallVector<Value> checks;
  if (scheme.getKind() == QuantKind::Mx && valuesType.isDynamicDim(rank - 1)) {
    Value rest = arith::RemUIOp::create(b, rb.dim(values, rank - 1),
                                        rb.idx(QuantAttr::kMxBlock));
    checks.push_back(rb.requireEqual(
        op, rest, rb.idx(0),
        (name + ": the remainder of the last dimension by 32 (the mx block)")
            .str()));
  }
  // Scale dimension d against the size the scheme derives for it.
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < rank; ++d)
    sizes.push_back(rb.dim(values, d));
  SmallVector<Value> want = scaleSizes(rb, scheme, sizes);
  auto scalesType = cast<RankedTensorType>(scales.getType());
  for (auto [d, size] : llvm::enumerate(want)) {
    if (!scalesType.isDynamicDim(d))
      continue; // the verifier compared the static sizes
    checks.push_back(
        rb.requireEqual(op, rb.dim(scales, d), size,
                        (name + " scales: dim " + std::to_string(d) +
                         " must be the number of scale groups of the scheme")
                            .str()));
  }
  return rb.all(checks);
}

Value mlir::moe::cpu::loadDequantized(RefBuilder &rb, Value values,
                                      Value scales, QuantAttr scheme,
                                      ValueRange indices) {
  Value q = rb.loadF32(values, indices);
  Value s = rb.loadF32(scales, scaleIndices(rb.builder(), scheme, indices));
  return rb.mul(q, s);
}

/// Loops over the groups [lo, hi) of a row of `len` values (element i is
/// `load(rb, i)`) under a row scheme, threading `iters`: `body` gets the
/// group's index, bounds and scale.
static SmallVector<Value> forEachRowGroup(
    RefBuilder &rb, Value len, function_ref<Value(RefBuilder &, Value)> load,
    QuantAttr scheme, Type valueType, ValueRange iters,
    function_ref<SmallVector<Value>(RefBuilder &, Value g, Value lo, Value hi,
                                    const GroupScale &, ValueRange)>
        body) {
  ImplicitLocOpBuilder &b = rb.builder();
  Value group =
      scheme.getKind() == QuantKind::Block ? rb.idx(*scheme.getBlockCols())
      : scheme.getKind() == QuantKind::Mx  ? rb.idx(QuantAttr::kMxBlock)
                                           : len;
  // At least one group so that an empty row is no division by zero.
  Value groups = arith::CeilDivUIOp::create(
      b, len, arith::MaxUIOp::create(b, group, rb.idx(1)));
  return rb.loop(
      rb.idx(0), groups, iters,
      [&](RefBuilder &l, Value g, ValueRange it) -> SmallVector<Value> {
        Value lo = l.muli(g, group);
        Value hi = arith::MinUIOp::create(l.builder(), l.addi(lo, group), len);
        Value amax = l.loop(
            lo, hi, l.f32(0.0),
            [&](RefBuilder &in, Value i, ValueRange acc) -> SmallVector<Value> {
              Value mag = math::AbsFOp::create(in.builder(), load(in, i));
              return {arith::MaximumFOp::create(in.builder(), acc[0], mag)};
            })[0];
        GroupScale scale =
            computeGroupScale(l.builder(), scheme, valueType, amax);
        return body(l, g, lo, hi, scale, it);
      });
}

Value mlir::moe::cpu::fakeQuantizeRow(
    RefBuilder &rb, Value len, function_ref<Value(RefBuilder &, Value)> load,
    QuantAttr scheme, Type valueType) {
  auto rowType =
      RankedTensorType::get({ShapedType::kDynamic}, rb.builder().getF32Type());
  Value row = rb.filled(rowType, len, rb.f32(0.0));
  return forEachRowGroup(
      rb, len, load, scheme, valueType, row,
      [&](RefBuilder &l, Value, Value lo, Value hi, const GroupScale &scale,
          ValueRange it) -> SmallVector<Value> {
        Value s = l.widen(scale.stored);
        return l.loop(
            lo, hi, it[0],
            [&](RefBuilder &in, Value i, ValueRange out) -> SmallVector<Value> {
              Value q = quantizeElement(in.builder(), scheme, valueType, scale,
                                        load(in, i));
              return {in.store(in.mul(in.widen(q), s), out[0], i)};
            });
      })[0];
}

SmallVector<Value> mlir::moe::cpu::quantizeRowInto(
    RefBuilder &rb, Value len, function_ref<Value(RefBuilder &, Value)> load,
    QuantAttr scheme, Value values, Value scales, Value row) {
  Type valueType = cast<RankedTensorType>(values.getType()).getElementType();
  bool perRow = scheme.getKind() == QuantKind::PerRow;
  return forEachRowGroup(
      rb, len, load, scheme, valueType, {values, scales},
      [&](RefBuilder &l, Value g, Value lo, Value hi, const GroupScale &scale,
          ValueRange it) -> SmallVector<Value> {
        SmallVector<Value> at = {row};
        if (!perRow)
          at.push_back(g);
        Value newScales =
            tensor::InsertOp::create(l.builder(), scale.stored, it[1], at);
        Value newValues = l.loop(
            lo, hi, it[0],
            [&](RefBuilder &in, Value i, ValueRange out) -> SmallVector<Value> {
              Value q = quantizeElement(in.builder(), scheme, valueType, scale,
                                        load(in, i));
              return {tensor::InsertOp::create(in.builder(), q, out[0],
                                               ValueRange{row, i})};
            })[0];
        return {newValues, newScales};
      });
}
