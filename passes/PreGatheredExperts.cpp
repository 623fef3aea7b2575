//===- PreGatheredExperts.cpp - sharktank's pre-gathered experts ---------===//
//
// Matches the routed experts as torch-mlir lowers sharktank's pre-gathered
// form (weights gathered by the [T, k] ids, broadcast multiply summed over
// the last dimension), and silu(gate) * up, which both forms share.
//
//===----------------------------------------------------------------------===//

#include "ExpertsForms.h"
#include "LinalgMatchers.h"

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::raise;

/// The pair (gate, up) when `v` is `silu(gate) * up` as torch-mlir lowers
/// it: `mul(mul(sigmoid(g), g), u)`, casts between the steps allowed.
std::optional<std::pair<Value, Value>> raise::matchSiluTimesUp(Value v) {
  linalg::GenericOp mul = producer(throughFloatCasts(v));
  auto ins = binaryInputs<arith::MulFOp>(mul);
  if (!ins)
    return std::nullopt;
  for (auto [s, u] : {*ins, std::make_pair(ins->second, ins->first)}) {
    Value silu = throughFloatCasts(mul.getDpsInputOperand(s)->get());
    Value up = throughFloatCasts(mul.getDpsInputOperand(u)->get());
    linalg::GenericOp siluMul = producer(silu);
    auto sIns = binaryInputs<arith::MulFOp>(siluMul);
    if (!sIns)
      continue;
    for (auto [a, b] : {*sIns, std::make_pair(sIns->second, sIns->first)}) {
      Value gate = throughFloatCasts(siluMul.getDpsInputOperand(b)->get());
      Value sig = matchSigmoid(siluMul.getDpsInputOperand(a)->get());
      if (sig && throughFloatCasts(sig) == gate && gate != up)
        return std::make_pair(gate, up);
    }
  }
  return std::nullopt;
}

/// A matrix-vector product per route in sharktank's form:
/// `sum(W[ids] * vec, -1)` with `W[ids]` `[T, k, N, K]` gathered by the
/// `[T, k]` ids and the vector broadcast (`[T, 1, 1, K]` per token or
/// `[T, k, 1, K]` per route).
struct PreGatheredMatVec {
  Value weights; // [E, N, K]
  Value ids;     // [T, k]
  Value vectors; // [T, K] (per token) or [T, k, K] (per route)
};

static std::optional<PreGatheredMatVec> matchPreGatheredMatVec(Value v) {
  linalg::GenericOp sum = producer(throughFloatCasts(v));
  if (!sum || sum.getNumLoops() != 4 || sum.getNumReductionLoops() != 1 ||
      sum.getIteratorTypesArray()[3] != utils::IteratorType::reduction ||
      sum.getNumDpsInputs() != 1 ||
      !isa_and_nonnull<arith::AddFOp>(yieldedOp(sum)))
    return std::nullopt;
  linalg::GenericOp mul = producer(sum.getDpsInputOperand(0)->get());
  auto ins = binaryInputs<arith::MulFOp>(mul);
  if (!ins || mul.getNumLoops() != 4)
    return std::nullopt;
  MLIRContext *ctx = mul.getContext();
  AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx),
             d3 = getAffineDimExpr(3, ctx),
             zero = getAffineConstantExpr(0, ctx);
  for (auto [w, x] : {*ins, std::make_pair(ins->second, ins->first)}) {
    if (!readsWhole(mul, w))
      continue;
    // The gather: a [T, k] index input, extract %W[id, d2, d3].
    linalg::GenericOp gather = producer(mul.getDpsInputOperand(w)->get());
    if (!gather || gather.getNumDpsInputs() != 1 || !isElementwise(gather))
      continue;
    AffineMap idsMap =
        gather.getMatchingIndexingMap(gather.getDpsInputOperand(0));
    auto extract = dyn_cast_or_null<tensor::ExtractOp>(yieldedOp(gather));
    if (idsMap.getNumResults() != 2 || idsMap.getResult(0) != d0 ||
        idsMap.getResult(1) != d1 || !extract ||
        extract.getIndices().size() != 3)
      continue;
    auto cast = extract.getIndices()[0].getDefiningOp<arith::IndexCastOp>();
    Value id = cast ? cast.getIn() : Value();
    if (auto select = id ? id.getDefiningOp<arith::SelectOp>() : nullptr)
      id = select.getFalseValue();
    auto i2 = extract.getIndices()[1].getDefiningOp<linalg::IndexOp>();
    auto i3 = extract.getIndices()[2].getDefiningOp<linalg::IndexOp>();
    if (!id || inputOf(gather, id) != gather.getDpsInputOperand(0)->get() ||
        !i2 || i2.getDim() != 2 || !i3 || i3.getDim() != 3)
      continue;
    AffineMap xMap = mul.getMatchingIndexingMap(mul.getDpsInputOperand(x));
    SmallVector<AffineExpr> r(xMap.getResults());
    Value vec = mul.getDpsInputOperand(x)->get();
    Value source;
    if (r.size() == 4 && r[0] == d0 && r[1] == zero && r[2] == zero &&
        r[3] == d3)
      source = throughReshapes(vec); // [T, 1, 1, K] -> [T, K]
    else if (r.size() == 4 && r[0] == d0 && r[1] == d1 && r[2] == zero &&
             r[3] == d3)
      if (auto expand = vec.getDefiningOp<tensor::ExpandShapeOp>())
        source = expand.getSrc(); // [T, k, 1, K] -> [T, k, K]
    if (!source)
      continue;
    return PreGatheredMatVec{extract.getTensor(),
                             gather.getDpsInputOperand(0)->get(), source};
  }
  return std::nullopt;
}

/// Fills the operands of `m` from sharktank's pre-gathered experts: `o`
/// `[T, k, H]` is `sum(down[ids] * act, -1)` and `act = silu(g) * u` with
/// `g`, `u` the same form of separate gate and up weights on the tokens.
LogicalResult raise::matchPreGatheredExperts(Value o, ExpertsMatch &m,
                                             std::string &reason) {
  std::optional<PreGatheredMatVec> down = matchPreGatheredMatVec(o);
  if (!down || rankOf(down->vectors) != 3) {
    reason = "the routes are not sum(down_proj[ids] * act, -1) per route";
    return failure();
  }
  std::optional<std::pair<Value, Value>> pair = matchSiluTimesUp(down->vectors);
  if (!pair) {
    reason = "the down projection's input is not silu(gate) * up";
    return failure();
  }
  std::optional<PreGatheredMatVec> gate = matchPreGatheredMatVec(pair->first);
  std::optional<PreGatheredMatVec> up = matchPreGatheredMatVec(pair->second);
  if (!gate || !up || gate->ids != down->ids || up->ids != down->ids ||
      gate->vectors != up->vectors || rankOf(gate->vectors) != 2) {
    reason = "gate and up are not sum(W[ids] * x, -1) of the same tokens and "
             "expert ids as the down projection";
    return failure();
  }
  m.x = gate->vectors;
  m.w1 = gate->weights;
  m.w1Up = up->weights;
  m.w2 = down->weights;
  m.ids = down->ids;
  return success();
}
