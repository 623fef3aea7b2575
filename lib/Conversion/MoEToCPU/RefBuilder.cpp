//===- RefBuilder.cpp - builders for the CPU reference lowering -----------===//
//
// Implements the loop, load/store and f32 math helpers of the reference lowering.
//
//===----------------------------------------------------------------------===//

#include "RefBuilder.h"

#include "moe/Conversion/SizeChecks.h"

#include "moe/Conversion/ActivationMath.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"


using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::cpu;

Value RefBuilder::idx(int64_t v) { return arith::ConstantIndexOp::create(b, v); }

Value RefBuilder::f32(double v) {
  return arith::ConstantOp::create(b, b.getF32FloatAttr(v));
}

Value RefBuilder::i32(int64_t v) {
  return arith::ConstantOp::create(b, b.getI32IntegerAttr(v));
}

Value RefBuilder::dim(Value tensor, int64_t d) {
  return b.createOrFold<tensor::DimOp>(tensor, d);
}

Value RefBuilder::load(Value tensor, ValueRange indices) {
  return tensor::ExtractOp::create(b, tensor, indices);
}

Value RefBuilder::widen(Value v) {
  if (v.getType().isF32())
    return v;
  return arith::ExtFOp::create(b, b.getF32Type(), v);
}

Value RefBuilder::loadF32(Value tensor, ValueRange indices) {
  return widen(load(tensor, indices));
}

Value RefBuilder::toElement(Value f32Value, Type type) {
  if (type == f32Value.getType())
    return f32Value;
  return arith::TruncFOp::create(b, type, f32Value);
}

Value RefBuilder::store(Value value, Value tensor, ValueRange indices) {
  Type elementType = cast<RankedTensorType>(tensor.getType()).getElementType();
  if (isa<FloatType>(elementType))
    value = toElement(value, elementType);
  return tensor::InsertOp::create(b, value, tensor, indices);
}

Value RefBuilder::filled(RankedTensorType type, ValueRange dynSizes, Value v) {
  Value empty = tensor::EmptyOp::create(b, type.getShape(),
                                        type.getElementType(), dynSizes);
  return linalg::FillOp::create(b, ValueRange{v}, ValueRange{empty})
      .getResult(0);
}

Value RefBuilder::sizeOf(RankedTensorType type, int64_t d, Value dynamic) {
  return type.isDynamicDim(d) ? dynamic : idx(type.getDimSize(d));
}

SmallVector<Value> RefBuilder::dynamicSizes(Value tensor) {
  SmallVector<Value> sizes;
  auto type = cast<RankedTensorType>(tensor.getType());
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      sizes.push_back(dim(tensor, d));
  return sizes;
}

SmallVector<Value> RefBuilder::loop(Value lb, Value ub, ValueRange iters,
                                    LoopBody body) {
  auto forOp = scf::ForOp::create(
      b, lb, ub, idx(1), iters,
      [&](OpBuilder &nested, Location loc, Value iv, ValueRange args) {
        ImplicitLocOpBuilder nb(loc, nested);
        RefBuilder inner(nb);
        SmallVector<Value> results = body(inner, iv, args);
        scf::YieldOp::create(nb, results);
      });
  return SmallVector<Value>(forOp.getResults());
}

SmallVector<Value> RefBuilder::ifThen(Value cond, ValueRange passThrough,
                                      IfBody then) {
  // An always-true condition (e.g. all sizes static) needs no branch.
  if (std::optional<int64_t> known = getConstantIntValue(cond); known && *known)
    return then(*this);
  auto ifOp = scf::IfOp::create(b, passThrough.getTypes(), cond,
                                /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&ifOp.getThenRegion().front());
    RefBuilder inner(b);
    SmallVector<Value> results = then(inner);
    scf::YieldOp::create(b, results);
    b.setInsertionPointToStart(&ifOp.getElseRegion().front());
    scf::YieldOp::create(b, passThrough);
  }
  return SmallVector<Value>(ifOp.getResults());
}

Value RefBuilder::requireEqual(Operation *op, Value found, Value expected,
                               StringRef what) {
  return emitSizeCheck(b, op, found, expected, what);
}

void RefBuilder::requireRouteIdsIn(Operation *op, Value ids, Value bound,
                                   StringRef what) {
  Value zero = idx(0), topK = dim(ids, 1);
  Value routes = muli(dim(ids, 0), topK);
  // {bad routes, first bad id, its token}, in route order.
  SmallVector<Value> found =
      loop(zero, routes, {zero, zero, zero},
           [&](RefBuilder &l, Value r, ValueRange a) -> SmallVector<Value> {
             Value t = arith::DivUIOp::create(l.b, r, topK);
             Value j = arith::RemUIOp::create(l.b, r, topK);
             Value id = l.i32ToIndex(l.load(ids, {t, j}));
             Value bad = l.cmpi(arith::CmpIPredicate::slt, id, zero);
             if (bound)
               bad = arith::OrIOp::create(
                   l.b, bad, l.cmpi(arith::CmpIPredicate::sge, id, bound));
             Value first =
                 l.andi(bad, l.cmpi(arith::CmpIPredicate::eq, a[0], zero));
             return {l.select(bad, l.addi(a[0], l.idx(1)), a[0]),
                     l.select(first, id, a[1]), l.select(first, t, a[2])};
           });
  emitRouteRangeCheck(b, op, found[0], found[1], found[2], what);
}

Value RefBuilder::all(ArrayRef<Value> conditions) {
  Value result;
  for (Value c : conditions) {
    std::optional<int64_t> known = getConstantIntValue(c);
    if (known && *known)
      continue; // a check the verifier already proved
    result = result ? andi(result, c) : c;
  }
  return result ? result : arith::ConstantOp::create(b, b.getBoolAttr(true));
}

Value RefBuilder::add(Value x, Value y) { return arith::AddFOp::create(b, x, y); }
Value RefBuilder::sub(Value x, Value y) { return arith::SubFOp::create(b, x, y); }
Value RefBuilder::mul(Value x, Value y) { return arith::MulFOp::create(b, x, y); }
Value RefBuilder::div(Value x, Value y) { return arith::DivFOp::create(b, x, y); }
Value RefBuilder::exp(Value x) { return math::ExpOp::create(b, x); }

Value RefBuilder::sigmoid(Value x) {
  Value one = f32(1.0);
  return div(one, add(one, exp(arith::NegFOp::create(b, x))));
}

Value RefBuilder::addi(Value x, Value y) { return arith::AddIOp::create(b, x, y); }
Value RefBuilder::muli(Value x, Value y) { return arith::MulIOp::create(b, x, y); }

Value RefBuilder::cmpi(arith::CmpIPredicate p, Value x, Value y) {
  return arith::CmpIOp::create(b, p, x, y);
}

Value RefBuilder::andi(Value x, Value y) { return arith::AndIOp::create(b, x, y); }

Value RefBuilder::select(Value c, Value x, Value y) {
  return arith::SelectOp::create(b, c, x, y);
}

Value RefBuilder::indexToF32(Value v) {
  Value i64 = arith::IndexCastOp::create(b, b.getI64Type(), v);
  return arith::SIToFPOp::create(b, b.getF32Type(), i64);
}

Value RefBuilder::i32ToIndex(Value v) {
  return arith::IndexCastOp::create(b, b.getIndexType(), v);
}

Value RefBuilder::indexToI32(Value v) {
  return arith::IndexCastOp::create(b, b.getI32Type(), v);
}

Value mlir::moe::cpu::emitGatedActivation(RefBuilder &rb, ActivationAttr act,
                                          Value gate, Value up) {
  return emitGatedActivationF32(rb.builder(), act, gate, up);
}

std::pair<Value, Value> mlir::moe::cpu::gateUpColumns(RefBuilder &rb,
                                                      GateUpLayout layout,
                                                      Value n, Value inter) {
  if (layout == GateUpLayout::Split)
    return {n, rb.addi(n, inter)};
  Value gate = rb.muli(n, rb.idx(2));
  return {gate, rb.addi(gate, rb.idx(1))};
}

Value mlir::moe::cpu::emitDot(RefBuilder &rb, Value a, ValueRange aPrefix,
                              Value w, ValueRange wPrefix, Value len) {
  return rb.loop(rb.idx(0), len, rb.f32(0.0),
                 [&](RefBuilder &in, Value i, ValueRange acc)
                     -> SmallVector<Value> {
                   SmallVector<Value> ai(aPrefix), wi(wPrefix);
                   ai.push_back(i);
                   wi.push_back(i);
                   // reassoc lets LLVM vectorize the reduction: the order is
                   // fixed per build, so results stay deterministic.
                   auto fm = arith::FastMathFlags::reassoc |
                             arith::FastMathFlags::contract;
                   Value prod = arith::MulFOp::create(
                       in.builder(), in.loadF32(a, ai), in.loadF32(w, wi), fm);
                   return {arith::AddFOp::create(in.builder(), acc[0], prod,
                                                 fm)};
                 })[0];
}
