//===- SwigluOaiForm.cpp - gpt-oss's gated activation in linalg ----------===//
//
// Matches GptOssExperts._apply_gate as torch-mlir lowers it: strided slices
// of the gate/up rows, AtenClampOp's compare-and-select generics, the
// sigmoid generic and the elementwise products.
//
//===----------------------------------------------------------------------===//

#include "ExpertsForms.h"
#include "LinalgMatchers.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include "llvm/ADT/APFloat.h"

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::raise;

/// `c` as a value of `type` holds it (the body computes in that type, so a
/// scalar converted to it is rounded there, e.g. alpha 1.702 in bf16).
static double roundedTo(double c, Type type) {
  auto floatType = dyn_cast<FloatType>(type);
  if (!floatType)
    return c;
  llvm::APFloat value(c);
  bool lost = false;
  value.convert(floatType.getFloatSemantics(),
                llvm::APFloat::rmNearestTiesToEven, &lost);
  return value.convertToDouble();
}

/// The single elementwise generic reading one input whole that produces `v`.
static linalg::GenericOp unaryGeneric(Value v) {
  linalg::GenericOp g = producer(v);
  if (!g || !isElementwise(g) || g.getNumDpsInputs() != 1 || !readsWhole(g, 0))
    return {};
  return g;
}

/// One side of AtenClampOp's body: `select(cmpf(x, c), c, x)` with `above`
/// the bound compared by ugt/ogt (max) or else ult/olt (min). Gives x and c.
static std::optional<std::pair<Value, double>> clampStep(linalg::GenericOp g,
                                                         Value v, bool above) {
  auto select = v.getDefiningOp<arith::SelectOp>();
  if (!select)
    return std::nullopt;
  auto cmp = select.getCondition().getDefiningOp<arith::CmpFOp>();
  if (!cmp || cmp.getLhs() != select.getFalseValue() ||
      cmp.getRhs() != select.getTrueValue())
    return std::nullopt;
  using P = arith::CmpFPredicate;
  P pred = cmp.getPredicate();
  bool ok = above ? (pred == P::UGT || pred == P::OGT)
                  : (pred == P::ULT || pred == P::OLT);
  std::optional<double> c = scalarOperand(g, select.getTrueValue());
  if (!ok || !c)
    return std::nullopt;
  return std::make_pair(select.getFalseValue(), *c);
}

/// The clamped input and bounds of `clamp(x, lo, hi)` (either bound may be
/// missing) when `v` is torch-mlir's clamp generic.
struct Clamp {
  Value input;
  std::optional<double> lo, hi;
};
static std::optional<Clamp> matchClamp(Value v) {
  linalg::GenericOp g = unaryGeneric(v);
  if (!g)
    return std::nullopt;
  Value x = cast<linalg::YieldOp>(g.getBody()->getTerminator()).getOperand(0);
  Clamp c;
  if (auto hi = clampStep(g, x, /*above=*/true)) {
    c.hi = hi->second;
    x = hi->first;
  }
  if (auto lo = clampStep(g, x, /*above=*/false)) {
    c.lo = lo->second;
    x = lo->first;
  }
  c.input = inputOf(g, x);
  if (!c.input || (!c.lo && !c.hi))
    return std::nullopt;
  Type element = getElementTypeOrSelf(v);
  if (c.lo)
    c.lo = roundedTo(*c.lo, element);
  if (c.hi)
    c.hi = roundedTo(*c.hi, element);
  return c;
}

/// The input and constant of `OpTy(x, c)` (either order) in one generic.
template <typename OpTy>
static std::optional<std::pair<Value, double>> matchScalarOp(Value v) {
  linalg::GenericOp g = unaryGeneric(v);
  auto op = g ? dyn_cast_or_null<OpTy>(yieldedOp(g)) : OpTy();
  if (!op)
    return std::nullopt;
  for (auto [a, b] : {std::make_pair(op.getLhs(), op.getRhs()),
                      std::make_pair(op.getRhs(), op.getLhs())})
    if (Value in = inputOf(g, a))
      if (std::optional<double> c = scalarOperand(g, b))
        return std::make_pair(in, roundedTo(*c, getElementTypeOrSelf(v)));
  return std::nullopt;
}

/// The source `[S, 2I]` when `slice` takes the columns `offset::2` of all
/// its rows (aten.slice.Tensor with step 2).
static Value evenOrOddColumns(Value v, int64_t offset) {
  auto slice = v.getDefiningOp<tensor::ExtractSliceOp>();
  if (!slice || slice.getSourceType().getRank() != 2)
    return {};
  int64_t cols = slice.getSourceType().getDimSize(1);
  auto offsets = slice.getMixedOffsets();
  auto sizes = slice.getMixedSizes();
  auto strides = slice.getMixedStrides();
  if (ShapedType::isDynamic(cols) || cols % 2 != 0 ||
      !isConstantIntValue(offsets[0], 0) ||
      !isConstantIntValue(offsets[1], offset) ||
      !isConstantIntValue(strides[0], 1) ||
      !isConstantIntValue(strides[1], 2) ||
      !isConstantIntValue(sizes[1], cols / 2) || slice.getType().getRank() != 2)
    return {};
  // Every row: the static count, or a size known to be the source's rows.
  bool allRows =
      isConstantIntValue(sizes[0], slice.getSourceType().getDimSize(0));
  if (auto rows = dyn_cast<Value>(sizes[0]))
    allRows = allRows || isRowCount(rows, slice.getSource());
  if (!allRows)
    return {};
  return slice.getSource();
}

std::optional<SwigluOaiMatch> raise::matchSwigluOai(Value v) {
  linalg::GenericOp top = producer(throughFloatCasts(v));
  auto ins = binaryInputs<arith::MulFOp>(top);
  if (!ins)
    return std::nullopt;
  for (auto [a, b] : {*ins, std::make_pair(ins->second, ins->first)}) {
    // (u + beta) * glu
    auto plus = matchScalarOp<arith::AddFOp>(top.getDpsInputOperand(a)->get());
    linalg::GenericOp glu = producer(top.getDpsInputOperand(b)->get());
    auto gluIns = binaryInputs<arith::MulFOp>(glu);
    if (!plus || !gluIns)
      continue;
    std::optional<Clamp> up = matchClamp(plus->first);
    if (!up || !up->lo || !up->hi || *up->lo != -*up->hi)
      continue;
    // glu = g * sigmoid(g * alpha)
    for (auto [g, s] :
         {*gluIns, std::make_pair(gluIns->second, gluIns->first)}) {
      Value gate = glu.getDpsInputOperand(g)->get();
      Value scaled = matchSigmoid(glu.getDpsInputOperand(s)->get());
      auto times = scaled ? matchScalarOp<arith::MulFOp>(scaled) : std::nullopt;
      std::optional<Clamp> gc = matchClamp(gate);
      if (!times || times->first != gate || !gc || gc->lo || !gc->hi ||
          *gc->hi != *up->hi)
        continue;
      Value gateUp = evenOrOddColumns(gc->input, 0);
      if (!gateUp || evenOrOddColumns(up->input, 1) != gateUp)
        continue;
      return SwigluOaiMatch{gateUp, times->second, plus->second, *up->hi};
    }
  }
  return std::nullopt;
}
