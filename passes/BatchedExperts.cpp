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
// gpt-oss (the index_add_ form of the same function, the weights
// transposed) gathers the token rows instead, `xs = x[token_idx]`, adds
// `gate_up_proj_bias[e]` and `down_proj_bias[e]` after the products, runs
// `_apply_gate` (SwigluOaiForm.cpp) and combines by a scatter
// (ScatteredExperts.cpp).
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

/// The gathered tensor (`[E, N, K]` weights, `[E, N]` biases, `[T, H]`
/// tokens) and the flat indices `[S]` when `v` is torch-mlir's gather
/// `W[ids]` (aten.index.Tensor): a generic over `[S, ...]` reading ids along
/// d0 and yielding `tensor.extract %W[id, d1, ...]`.
static std::pair<Value, Value> matchExpertGather(Value v) {
  linalg::GenericOp g = producer(v);
  unsigned rank = g ? g.getNumLoops() : 0;
  if (!g || !isElementwise(g) || (rank != 2 && rank != 3) ||
      g.getNumDpsInputs() != 1)
    return {};
  AffineMap map = g.getMatchingIndexingMap(g.getDpsInputOperand(0));
  if (map.getNumResults() != 1 ||
      map.getResult(0) != getAffineDimExpr(0, g.getContext()))
    return {};
  auto extract = dyn_cast_or_null<tensor::ExtractOp>(yieldedOp(g));
  if (!extract || extract.getIndices().size() != rank ||
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
  for (unsigned d = 1; d < rank; ++d) {
    auto index = extract.getIndices()[d].getDefiningOp<linalg::IndexOp>();
    if (!index || index.getDim() != d)
      return {};
  }
  return {extract.getTensor(), g.getDpsInputOperand(0)->get()};
}

/// A batched matrix-vector product of torch-mlir's bmm: `squeeze(bmm(Wg,
/// unsqueeze(vec, -1)))` with Wg `[S, N, K]`, or with `transposed`
/// `squeeze(bmm(unsqueeze(vec, 1), Wg))` with Wg `[S, K, N]`.
struct BatchedMatVec {
  Value weights, vectors;
  bool transposed = false;
};

/// The product whose result `v` (`[S, N]`) is, possibly rounded from an f32
/// accumulator; nothing otherwise.
static std::optional<BatchedMatVec> matchBatchedMatVec(Value v) {
  Value product = throughReshapes(throughFloatCasts(throughReshapes(v)));
  auto bmm = product.getDefiningOp<linalg::BatchMatmulOp>();
  if (!bmm || rankOf(product) != 3)
    return std::nullopt;
  // The accumulator starts at zero.
  auto fill = bmm.getDpsInitOperand(0)->get().getDefiningOp<linalg::FillOp>();
  if (!fill || constantFloat(fill.getInputs()[0]) != 0.0)
    return std::nullopt;
  BatchedMatVec mv;
  mv.transposed = dimOf(product, 1) == 1 && dimOf(product, 2) != 1;
  if (!mv.transposed && dimOf(product, 2) != 1)
    return std::nullopt;
  // The vector is unsqueezed: one expand_shape of [S, K] into [S, K, 1]
  // (or [S, 1, K] transposed).
  unsigned vecOperand = mv.transposed ? 0 : 1;
  auto unsqueeze = bmm.getDpsInputOperand(vecOperand)
                       ->get()
                       .getDefiningOp<tensor::ExpandShapeOp>();
  mv.vectors = unsqueeze ? unsqueeze.getSrc() : Value();
  mv.weights = throughFloatCasts(bmm.getDpsInputOperand(1 - vecOperand)->get());
  if (!mv.vectors || rankOf(mv.vectors) != 2 ||
      dimOf(unsqueeze.getResult(), mv.transposed ? 1 : 2) != 1)
    return std::nullopt;
  return mv;
}

/// The product before an expert bias and the bias `[E, N]` with its flat
/// ids when `v` (`[S, N]`) is `product + bias[ids]` (add.Tensor, either
/// order); `{v, null, null}` otherwise.
static std::tuple<Value, Value, Value> peelExpertBias(Value v) {
  linalg::GenericOp add = producer(v);
  auto ins = binaryInputs<arith::AddFOp>(add);
  if (!ins || !readsWhole(add, ins->first) || !readsWhole(add, ins->second))
    return {v, Value(), Value()};
  for (auto [p, b] : {*ins, std::make_pair(ins->second, ins->first)}) {
    auto [bias, ids] =
        matchExpertGather(throughFloatCasts(add.getDpsInputOperand(b)->get()));
    if (bias && rankOf(bias) == 2)
      return {add.getDpsInputOperand(p)->get(), bias, ids};
  }
  return {v, Value(), Value()};
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

/// Whether `v` is torch-mlir's arange(n) of integers: a generic without
/// inputs yielding `start + index(0) * step` with start 0 and step 1 (or
/// the bare index).
static bool isArange(Value v) {
  linalg::GenericOp g = producer(v);
  if (!g || g.getNumDpsInputs() != 0 || g.getNumLoops() != 1)
    return false;
  Value x = cast<linalg::YieldOp>(g.getBody()->getTerminator()).getOperand(0);
  auto constantInt = [](Value c, int64_t want) {
    APInt value;
    return matchPattern(c, m_ConstantInt(&value)) && value == want;
  };
  if (auto add = x.getDefiningOp<arith::AddIOp>())
    x = constantInt(add.getLhs(), 0)   ? add.getRhs()
        : constantInt(add.getRhs(), 0) ? add.getLhs()
                                       : Value();
  if (auto mul = x ? x.getDefiningOp<arith::MulIOp>() : arith::MulIOp())
    x = constantInt(mul.getRhs(), 1)   ? mul.getLhs()
        : constantInt(mul.getLhs(), 1) ? mul.getRhs()
                                       : Value();
  if (auto cast =
          x ? x.getDefiningOp<arith::IndexCastOp>() : arith::IndexCastOp())
    x = cast.getIn();
  auto index = x ? x.getDefiningOp<linalg::IndexOp>() : linalg::IndexOp();
  return index && index.getDim() == 0;
}

bool raise::isRouteTokenIndex(Value flat, int64_t k, Value x) {
  // reshape(-1) of expand(-1, k) of unsqueeze(arange(T), 1).
  auto collapse = flat.getDefiningOp<tensor::CollapseShapeOp>();
  if (!collapse || collapse.getSrcType().getRank() != 2 ||
      collapse.getSrcType().getDimSize(1) != k)
    return false;
  linalg::GenericOp expand = producer(collapse.getSrc());
  if (!expand || !isElementwise(expand) || expand.getNumDpsInputs() != 1 ||
      expand.getNumLoops() != 2 ||
      cast<linalg::YieldOp>(expand.getBody()->getTerminator()).getOperand(0) !=
          expand.getBody()->getArgument(0) ||
      !readsRowBroadcast(expand, 0))
    return false;
  Value arange = throughReshapes(expand.getDpsInputOperand(0)->get());
  if (!isArange(arange))
    return false;
  // arange's T is x's row count: the same static size, or its dynamic size
  // is x's rows.
  auto empty = producer(arange).getDpsInitOperand(0)->get();
  int64_t n = dimOf(arange, 0), rows = dimOf(x, 0);
  if (!ShapedType::isDynamic(n))
    return n == rows;
  auto init = empty.getDefiningOp<tensor::EmptyOp>();
  return init && init.getDynamicSizes().size() == 1 &&
         isRowCount(init.getDynamicSizes()[0], x);
}

/// The tokens `x` `[T, H]` whose rows `xs` `[T * k, H]` are, route by
/// route: repeat_interleave(x, k, 0), or `x[token_idx]` gathered by
/// Hugging Face's token index of each route.
static Value matchRouteTokens(Value xs, int64_t k) {
  if (Value x = matchRepeatedRows(xs, k))
    return x;
  auto [x, index] = matchExpertGather(xs);
  if (x && rankOf(x) == 2 && isRouteTokenIndex(index, k, x))
    return x;
  return {};
}

/// Fills the operands of `m` from Hugging Face's batched_mm experts: `o`
/// `[S, H]` is `W2[e] h (+ b2[e])`, `h` the gated activation of
/// `W1[e] xs (+ b1[e])` and `xs` the tokens of the routes. `m.ids` is left
/// as the flat gathered ids.
LogicalResult raise::matchBatchedExperts(Value o, int64_t k, ExpertsMatch &m,
                                         std::string &reason) {
  auto [down, b2, b2Ids] = peelExpertBias(o);
  std::optional<BatchedMatVec> mv2 = matchBatchedMatVec(down);
  auto [w2, ids2] =
      mv2 ? matchExpertGather(mv2->weights) : std::pair<Value, Value>();
  if (!w2 || rankOf(w2) != 3) {
    reason = "the routes are not a batched product with down_proj rows "
             "gathered by expert id";
    return failure();
  }
  Value h = mv2->vectors;
  Value gu = matchSiluMul(h);
  if (!gu) {
    std::optional<SwigluOaiMatch> oai = matchSwigluOai(h);
    if (!oai) {
      reason = "the down projection's input is not silu(gate) * up of the "
               "two halves of one tensor, nor gpt-oss's SwiGLU of its even "
               "and odd columns";
      return failure();
    }
    gu = oai->gateUp;
    MLIRContext *ctx = o.getContext();
    m.activation = ActivationAttr::get(
        ctx, ActivationKind::SwigluOai, GateUpLayout::Interleaved,
        llvm::APFloat(oai->alpha), llvm::APFloat(oai->beta),
        llvm::APFloat(oai->limit));
  }
  auto [up, b1, b1Ids] = peelExpertBias(gu);
  std::optional<BatchedMatVec> mv1 = matchBatchedMatVec(up);
  auto [w1, ids1] =
      mv1 ? matchExpertGather(mv1->weights) : std::pair<Value, Value>();
  if (!w1 || rankOf(w1) != 3 || ids1 != ids2 ||
      mv1->transposed != mv2->transposed) {
    reason = "gate/up are not a batched product with gate_up_proj rows "
             "gathered by the same expert ids, in the layout of down_proj";
    return failure();
  }
  if (!b1 != !b2 || (b1 && (b1Ids != ids1 || b2Ids != ids1))) {
    reason = "the expert biases are not one after each product, gathered by "
             "the same expert ids";
    return failure();
  }
  m.x = matchRouteTokens(mv1->vectors, k);
  if (!m.x) {
    reason = "the tokens are not repeated k times (repeat_interleave) nor "
             "gathered by each route's token index";
    return failure();
  }
  m.w1 = w1;
  m.w2 = w2;
  m.b1 = b1;
  m.b2 = b2;
  m.transposed = mv1->transposed;
  m.ids = ids1;
  return success();
}
