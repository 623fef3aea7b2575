//===- RaiseExperts.cpp - HF batched_mm experts in linalg to moe.experts --===//
//
// Matches the routed experts as torch-mlir lowers Hugging Face's batched_mm
// form and rewrites them to moe.experts.
//
//===----------------------------------------------------------------------===//
//
// Hugging Face transformers 5.x, `batched_mm` experts (as exported):
//
//   xs  = repeat_interleave(x, k, 0)                        [S, H], S = T*k
//   e   = clamp(view(ids, [-1]), 0, E - 1)                  [S]
//   gu  = squeeze(bmm(gate_up_proj[e], unsqueeze(xs, -1)))  [S, 2I]
//   h   = silu(gu[:, :I]) * gu[:, I:]                       [S, I]
//   o   = squeeze(bmm(down_proj[e], unsqueeze(h, -1)))      [S, H]
//   y   = sum(view(o * unsqueeze(view(w, [-1]), -1), [T, k, H]), 1)
//
// The matcher walks this backwards from the sum over k. Reshapes
// (expand_shape, collapse_shape) keep the row-major order, so a value is
// followed through them when the shapes at both ends are the expected ones.
//
//===----------------------------------------------------------------------===//

#include "LinalgMatchers.h"
#include "RaisePatterns.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::raise;

/// `v` before any chain of order-keeping reshapes and casts of tensor types.
static Value throughReshapes(Value v) {
  while (Operation *op = v.getDefiningOp()) {
    if (auto e = dyn_cast<tensor::ExpandShapeOp>(op))
      v = e.getSrc();
    else if (auto c = dyn_cast<tensor::CollapseShapeOp>(op))
      v = c.getSrc();
    else if (auto c = dyn_cast<tensor::CastOp>(op))
      v = c.getSource();
    else
      break;
  }
  return v;
}

/// `v` before elementwise float extensions and truncations (precision
/// changes that moe.experts replaces by its f32 computation).
static Value throughFloatCasts(Value v) {
  while (true) {
    if (Value w = matchUnary<arith::ExtFOp>(v))
      v = w;
    else if (Value n = matchUnary<arith::TruncFOp>(v))
      v = n;
    else
      return v;
  }
}

/// Size `d` of the ranked tensor `v`; -1 when `v` has no such dimension.
static int64_t dimOf(Value v, int64_t d) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && d < type.getRank() ? type.getDimSize(d) : -1;
}

/// Rank of the ranked tensor `v`; -1 for other types.
static int64_t rankOf(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type ? type.getRank() : -1;
}

/// Whether `v` is a ranked tensor with static sizes.
static bool isStatic(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && type.hasStaticShape();
}

/// The weight tensor `[E, N, K]` and the flat ids `[S]` when `v` is
/// torch-mlir's gather `W[ids]` (aten.index.Tensor): a generic over
/// `[S, N, K]` reading ids along d0 and yielding `tensor.extract %W[id, d1,
/// d2]`.
static std::pair<Value, Value> matchExpertGather(Value v) {
  linalg::GenericOp g = producer(v);
  if (!g || !isElementwise(g) || g.getNumLoops() != 3 ||
      g.getNumDpsInputs() != 1)
    return {};
  AffineMap map = g.getMatchingIndexingMap(g.getDpsInputOperand(0));
  if (map.getNumResults() != 1 ||
      map.getResult(0) != getAffineDimExpr(0, g.getContext()))
    return {};
  auto extract = dyn_cast_or_null<tensor::ExtractOp>(yieldedOp(g));
  if (!extract || extract.getIndices().size() != 3 ||
      extract.getTensor().getParentBlock() == g.getBody())
    return {};
  auto cast = extract.getIndices()[0].getDefiningOp<arith::IndexCastOp>();
  if (!cast)
    return {};
  // torch-mlir wraps negative ids: select(id < 0, id + E, id); ids of a
  // top-k or a clamp to [0, E) are never negative.
  Value id = cast.getIn();
  if (auto select = id.getDefiningOp<arith::SelectOp>())
    id = select.getFalseValue();
  if (inputOf(g, id) != g.getDpsInputOperand(0)->get())
    return {};
  for (unsigned d = 1; d < 3; ++d) {
    auto index = extract.getIndices()[d].getDefiningOp<linalg::IndexOp>();
    if (!index || index.getDim() != d)
      return {};
  }
  return {extract.getTensor(), g.getDpsInputOperand(0)->get()};
}

/// The gathered weights `[S, N, K]` and the vectors `[S, K]` when `v`
/// (`[S, N]`) is the batched matrix-vector product of torch-mlir's
/// `squeeze(bmm(Wg, unsqueeze(vec, -1)))`, its result possibly rounded
/// from an f32 accumulator.
static std::pair<Value, Value> matchBatchedMatVec(Value v) {
  Value product = throughReshapes(throughFloatCasts(throughReshapes(v)));
  auto bmm = product.getDefiningOp<linalg::BatchMatmulOp>();
  if (!bmm || rankOf(product) != 3 || dimOf(product, 2) != 1)
    return {};
  Value weights = throughFloatCasts(bmm.getDpsInputOperand(0)->get());
  // unsqueeze(vec, -1): one expand_shape of [S, K] into [S, K, 1].
  auto unsqueeze =
      bmm.getDpsInputOperand(1)->get().getDefiningOp<tensor::ExpandShapeOp>();
  Value vectors = unsqueeze ? unsqueeze.getSrc() : Value();
  if (!vectors || rankOf(vectors) != 2)
    return {};
  // The accumulator starts at zero.
  auto fill = bmm.getDpsInitOperand(0)->get().getDefiningOp<linalg::FillOp>();
  if (!fill || constantFloat(fill.getInputs()[0]) != 0.0)
    return {};
  return {weights, vectors};
}

/// The input `x` `[T, H]` and the repeat count when `v` `[T * k, H]` is
/// torch-mlir's repeat_interleave(x, k, 0): x broadcast to `[T, k, H]`
/// along d1, collapsed.
static Value matchRepeatedRows(Value v, int64_t k) {
  auto collapse = v.getDefiningOp<tensor::CollapseShapeOp>();
  if (!collapse || collapse.getSrcType().getRank() != 3 ||
      collapse.getSrcType().getDimSize(1) != k)
    return {};
  linalg::GenericOp g = producer(collapse.getSrc());
  if (!g || !isElementwise(g) || g.getNumDpsInputs() != 1 ||
      g.getNumLoops() != 3 ||
      !isa<BlockArgument>(
          cast<linalg::YieldOp>(g.getBody()->getTerminator()).getOperand(0)))
    return {};
  // Reads `[T, 1, H]` at (d0, 0, d2) or `[T, H]` at (d0, d2).
  MLIRContext *ctx = g.getContext();
  AffineExpr d0 = getAffineDimExpr(0, ctx), d2 = getAffineDimExpr(2, ctx);
  AffineMap map = g.getMatchingIndexingMap(g.getDpsInputOperand(0));
  SmallVector<AffineExpr> r(map.getResults());
  bool broadcast = (r.size() == 3 && r[0] == d0 &&
                    r[1] == getAffineConstantExpr(0, ctx) && r[2] == d2) ||
                   (r.size() == 2 && r[0] == d0 && r[1] == d2);
  if (!broadcast)
    return {};
  Value x = throughReshapes(g.getDpsInputOperand(0)->get());
  return rankOf(x) == 2 ? x : Value();
}

/// Whether the body of `g` is aten.clamp(id, 0, E - 1) as torch-mlir lowers
/// it: `select(cmpi sge, hi, select(cmpi slt, lo, in))`.
static bool isClampToRange(linalg::GenericOp g, int64_t numExperts) {
  auto upper = dyn_cast_or_null<arith::SelectOp>(yieldedOp(g));
  if (!upper)
    return false;
  auto lower = upper.getFalseValue().getDefiningOp<arith::SelectOp>();
  auto hiCmp = upper.getCondition().getDefiningOp<arith::CmpIOp>();
  auto loCmp = lower ? lower.getCondition().getDefiningOp<arith::CmpIOp>()
                     : arith::CmpIOp();
  if (!hiCmp || !loCmp || lower.getFalseValue() != g.getBody()->getArgument(0))
    return false;
  APInt lo, hi;
  if (!matchPattern(lower.getTrueValue(), m_ConstantInt(&lo)) ||
      !matchPattern(upper.getTrueValue(), m_ConstantInt(&hi)))
    return false;
  return loCmp.getPredicate() == arith::CmpIPredicate::slt &&
         loCmp.getLhs() == g.getBody()->getArgument(0) &&
         loCmp.getRhs() == lower.getTrueValue() &&
         hiCmp.getPredicate() == arith::CmpIPredicate::sge &&
         hiCmp.getLhs() == lower.getResult() &&
         hiCmp.getRhs() == upper.getTrueValue() && lo.isZero() &&
         hi.getSExtValue() == numExperts - 1;
}

/// The ids `[T, k]` when `flat` `[S]` is `view(ids, [-1])`, possibly
/// clamped to `[0, E)`. A clamp is only dropped when the ids come from a
/// top-k over the E experts (so it never changes them); `reason` says why
/// otherwise.
static Value matchRouteIds(Value flat, int64_t numExperts,
                           std::string &reason) {
  Value ids = throughReshapes(flat);
  bool clamped = false;
  if (linalg::GenericOp g = producer(ids);
      g && isElementwise(g) && g.getNumDpsInputs() == 1 && rankOf(ids) == 1) {
    if (!isClampToRange(g, numExperts)) {
      reason = "the flat expert ids are changed by something other than a "
               "clamp to [0, E - 1]";
      return {};
    }
    ids = throughReshapes(g.getDpsInputOperand(0)->get());
    clamped = true;
  }
  if (rankOf(ids) != 2) {
    reason = "the expert ids are not a flattened [T, k] tensor";
    return {};
  }
  if (!clamped)
    return ids;
  // From a top-k of E scores: a slice of a sorted iota, or moe.gate's ids.
  Value source = ids;
  if (linalg::GenericOp widen = producer(ids);
      widen && widen.getNumDpsInputs() == 1 && isElementwise(widen))
    source = widen.getDpsInputOperand(0)->get();
  if (auto gate = source.getDefiningOp<GateOp>())
    if (dimOf(gate.getLogits(), 1) == numExperts)
      return ids;
  if (auto slice = ids.getDefiningOp<tensor::ExtractSliceOp>())
    if (auto sort = slice.getSource().getDefiningOp<tm_tensor::SortOp>())
      if (slice.getSourceType().getDimSize(1) == numExperts)
        return ids;
  reason = "the expert ids are clamped and do not come from a top-k over the "
           "E experts (moe.experts reports an out-of-range id; it does not "
           "clamp it)";
  return {};
}

/// The pair (gate, up) when `v` is `silu(gate) * up` as torch-mlir lowers
/// it: `mul(mul(sigmoid(g), g), u)`, casts between the steps allowed.
static std::optional<std::pair<Value, Value>> matchSiluTimesUp(Value v) {
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

/// The gate rows `[S, 2I]` when `v` is `silu(gate) * up` of the two halves
/// of one tensor: `g = gu[:, :I]`, `u = gu[:, I:]`.
static Value matchSiluMul(Value v) {
  std::optional<std::pair<Value, Value>> pair = matchSiluTimesUp(v);
  if (!pair)
    return {};
  auto [gate, up] = *pair;
  auto gSlice = gate.getDefiningOp<tensor::ExtractSliceOp>();
  auto uSlice = up.getDefiningOp<tensor::ExtractSliceOp>();
  if (!gSlice || !uSlice || gSlice.getSource() != uSlice.getSource())
    return {};
  Value gu = gSlice.getSource();
  if (rankOf(gu) != 2 || rankOf(gate) != 2 || rankOf(up) != 2 ||
      ShapedType::isDynamic(dimOf(gu, 1)) ||
      ShapedType::isDynamic(dimOf(gate, 1)) ||
      dimOf(gate, 1) * 2 != dimOf(gu, 1) || dimOf(up, 1) != dimOf(gate, 1))
    return {};
  std::optional<int64_t> gOff =
      getConstantIntValue(gSlice.getMixedOffsets()[1]);
  std::optional<int64_t> uOff =
      getConstantIntValue(uSlice.getMixedOffsets()[1]);
  if (gOff == 0 && uOff == dimOf(gate, 1) &&
      isConstantIntValue(gSlice.getMixedOffsets()[0], 0) &&
      isConstantIntValue(uSlice.getMixedOffsets()[0], 0))
    return gu;
  return {};
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
static LogicalResult matchPreGatheredExperts(Value o, ExpertsMatch &m,
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

/// Whether input `i` of the rank-3 elementwise `g` is a weight per route,
/// `[T, k, 1]` at (d0, d1, 0) or `[T, k]` at (d0, d1).
static bool readsRouteBroadcast(linalg::GenericOp g, unsigned i) {
  AffineMap map = g.getMatchingIndexingMap(g.getDpsInputOperand(i));
  MLIRContext *ctx = g.getContext();
  SmallVector<AffineExpr> r(map.getResults());
  AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx);
  return (r.size() == 2 && r[0] == d0 && r[1] == d1) ||
         (r.size() == 3 && r[0] == d0 && r[1] == d1 &&
          r[2] == getAffineConstantExpr(0, ctx));
}

/// Fills the operands of `m` from Hugging Face's batched_mm experts: `o`
/// `[S, H]` is `W2[e] h`, `h = silu(gate) * up` of `W1[e] xs` and `xs` the
/// tokens repeated k times. `m.ids` is left as the flat gathered ids.
static LogicalResult matchBatchedExperts(Value o, int64_t k, ExpertsMatch &m,
                                         std::string &reason) {
  auto [w2g, h] = matchBatchedMatVec(o);
  auto [w2, ids2] = w2g ? matchExpertGather(w2g) : std::pair<Value, Value>();
  if (!w2) {
    reason = "the routes are not a batched product with down_proj rows "
             "gathered by expert id";
    return failure();
  }
  Value gu = matchSiluMul(h);
  if (!gu) {
    reason = "the down projection's input is not silu(gate) * up of the two "
             "halves of one tensor";
    return failure();
  }
  auto [w1g, xs] = matchBatchedMatVec(gu);
  auto [w1, ids1] = w1g ? matchExpertGather(w1g) : std::pair<Value, Value>();
  if (!w1 || ids1 != ids2) {
    reason = "gate/up are not a batched product with gate_up_proj rows "
             "gathered by the same expert ids";
    return failure();
  }
  m.x = matchRepeatedRows(xs, k);
  if (!m.x) {
    reason = "the tokens are not repeated k times (repeat_interleave)";
    return failure();
  }
  m.w1 = w1;
  m.w2 = w2;
  m.ids = ids1;
  return success();
}

FailureOr<ExpertsMatch> raise::matchExperts(linalg::GenericOp root,
                                            std::string &reason) {
  ExpertsMatch m;
  m.result = root.getResult(0);
  // The sum over k: [T, k, H] -> [T, H].
  Value routes3d =
      root.getNumDpsInputs() == 1 ? root.getDpsInputOperand(0)->get() : Value();
  if (!routes3d || rankOf(routes3d) != 3 || rankOf(m.result) != 2) {
    reason = "expected a sum of [T, k, H] over k into [T, H]";
    return failure();
  }
  int64_t k = dimOf(routes3d, 1);
  int64_t hidden = dimOf(routes3d, 2);
  if (ShapedType::isDynamic(k) || ShapedType::isDynamic(hidden)) {
    reason = "k or H of the summed routes is dynamic";
    return failure();
  }
  // Each route times its weight: o [S, H] * w [S, 1] (Hugging Face, routes
  // flattened) or o [T, k, H] * w [T, k, 1] (sharktank).
  linalg::GenericOp scale = producer(throughReshapes(routes3d));
  auto ins = binaryInputs<arith::MulFOp>(scale);
  if (!ins) {
    reason = "the summed routes are not each multiplied by a routing weight";
    return failure();
  }
  unsigned oIdx = readsWhole(scale, ins->first) ? ins->first : ins->second;
  unsigned wIdx = oIdx == ins->first ? ins->second : ins->first;
  Value weights =
      throughReshapes(throughFloatCasts(scale.getDpsInputOperand(wIdx)->get()));
  bool perRoute = scale.getNumLoops() == 3;
  if (!readsWhole(scale, oIdx) ||
      !(perRoute ? readsRouteBroadcast(scale, wIdx)
                 : readsRowBroadcast(scale, wIdx)) ||
      rankOf(weights) != 2 || dimOf(weights, 1) != k) {
    reason = "the routes are not scaled by a [T, k] weight per route";
    return failure();
  }
  m.weights = weights;
  Value o = scale.getDpsInputOperand(oIdx)->get();
  if (failed(perRoute ? matchPreGatheredExperts(o, m, reason)
                      : matchBatchedExperts(o, k, m, reason)))
    return failure();
  if (!isStatic(m.w1) || !isStatic(m.w2) || (m.w1Up && !isStatic(m.w1Up)) ||
      rankOf(m.w1) != 3 || rankOf(m.w2) != 3) {
    reason = "the expert weights are not rank-3 tensors of static sizes";
    return failure();
  }
  int64_t numExperts = dimOf(m.w1, 0);
  int64_t inter = dimOf(m.w2, 2);
  int64_t gateUpRows = m.w1Up ? inter : 2 * inter;
  if (dimOf(m.w2, 0) != numExperts || dimOf(m.w1, 1) != gateUpRows ||
      dimOf(m.w1, 2) != hidden || dimOf(m.w2, 1) != hidden ||
      (m.w1Up && m.w1Up.getType() != m.w1.getType())) {
    reason = "the weights are not gate/up [E, 2I, H] (or gate and up "
             "[E, I, H] each) and down [E, H, I] of one E, I and H";
    return failure();
  }
  if (!m.w1Up) {
    m.ids = matchRouteIds(m.ids, numExperts, reason);
    if (!m.ids)
      return failure();
  }
  auto xType = dyn_cast<RankedTensorType>(m.x.getType());
  if (!xType || xType.getRank() != 2 ||
      !isa<BFloat16Type, Float16Type, Float32Type>(xType.getElementType())) {
    reason = "the tokens are not a [T, H] tensor of bf16, f16 or f32";
    return failure();
  }
  if (!isa<IntegerType>(getElementTypeOrSelf(m.ids)) ||
      !isa<FloatType>(getElementTypeOrSelf(m.weights))) {
    reason = "the ids are not integers or the routing weights not floats";
    return failure();
  }
  if (getElementTypeOrSelf(m.w1) != xType.getElementType() ||
      getElementTypeOrSelf(m.w2) != xType.getElementType()) {
    reason = "the weights and the tokens have different element types";
    return failure();
  }
  return m;
}

/// `[E, 2I, H]` from separate gate and up weights `[E, I, H]`: a copy of
/// both per call (an empty tensor with each inserted), as moe.experts takes
/// one gate/up operand.
static Value concatGateUp(RewriterBase &rewriter, Location loc, Value gate,
                          Value up) {
  auto type = cast<RankedTensorType>(gate.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[1] *= 2;
  Value init =
      tensor::EmptyOp::create(rewriter, loc, shape, type.getElementType());
  SmallVector<OpFoldResult> offsets(3, rewriter.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes, strides(3, rewriter.getIndexAttr(1));
  for (int64_t d : type.getShape())
    sizes.push_back(rewriter.getIndexAttr(d));
  Value withGate = tensor::InsertSliceOp::create(rewriter, loc, gate, init,
                                                 offsets, sizes, strides);
  offsets[1] = rewriter.getIndexAttr(type.getDimSize(1));
  return tensor::InsertSliceOp::create(rewriter, loc, up, withGate, offsets,
                                       sizes, strides);
}

ExpertsOp raise::raiseExperts(RewriterBase &rewriter, ExpertsMatch m) {
  Operation *root = m.result.getDefiningOp();
  rewriter.setInsertionPoint(root);
  Location loc = root->getLoc();
  Value weights = castElements(rewriter, loc, m.weights, rewriter.getF32Type());
  Value ids = castElements(rewriter, loc, m.ids, rewriter.getI32Type());
  Value w1 = m.w1Up ? concatGateUp(rewriter, loc, m.w1, m.w1Up) : m.w1;
  auto xType = cast<RankedTensorType>(m.x.getType());
  auto experts = ExpertsOp::create(
      rewriter, loc, xType, m.x, w1, m.w2, weights, ids,
      ActivationAttr::get(rewriter.getContext(), ActivationKind::SiluMul),
      /*tile=*/TileAttr());
  auto resultType = cast<RankedTensorType>(m.result.getType());
  Value result = castElements(rewriter, loc, experts.getResult(),
                              resultType.getElementType());
  rewriter.replaceOp(root, result);
  return experts;
}

namespace {
struct RaiseBatchedExperts : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp g,
                                PatternRewriter &rewriter) const override {
    if (!g.hasPureTensorSemantics() || g.getNumResults() != 1 ||
        g.getNumLoops() != 3 || g.getNumReductionLoops() != 1)
      return rewriter.notifyMatchFailure(g, "not a reduction of rank 3");
    std::string reason;
    FailureOr<ExpertsMatch> match = matchExperts(g, reason);
    if (failed(match))
      return rewriter.notifyMatchFailure(g, reason);
    raiseExperts(rewriter, *match);
    return success();
  }
};
} // namespace

void raise::populateRaiseExpertsPatterns(RewritePatternSet &patterns) {
  patterns.add<RaiseBatchedExperts>(patterns.getContext());
}
