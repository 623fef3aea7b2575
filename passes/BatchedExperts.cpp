//===- BatchedExperts.cpp - Hugging Face batched_mm experts in linalg -----===//
//
// Matches the routed experts as torch-mlir lowers Hugging Face's batched_mm
// form.
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

#include "ExpertsForms.h"
#include "LinalgMatchers.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::raise;

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
Value raise::matchRouteIds(Value flat, int64_t numExperts,
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

/// Fills the operands of `m` from Hugging Face's batched_mm experts: `o`
/// `[S, H]` is `W2[e] h`, `h = silu(gate) * up` of `W1[e] xs` and `xs` the
/// tokens repeated k times. `m.ids` is left as the flat gathered ids.
LogicalResult raise::matchBatchedExperts(Value o, int64_t k, ExpertsMatch &m,
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
