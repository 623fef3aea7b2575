//===- RaiseExperts.cpp - routed experts in linalg to moe.experts --------===//
//
// Matches the routed experts from their sum over k (or their scatter-add,
// ScatteredExperts.cpp) and rewrites them to moe.experts; the forms it reads
// are in BatchedExperts.cpp (Hugging Face) and PreGatheredExperts.cpp
// (sharktank).
//
//===----------------------------------------------------------------------===//

#include "ExpertsForms.h"
#include "LinalgMatchers.h"
#include "RaisePatterns.h"

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::raise;

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
                      : matchBatchedExperts(o, k, m, reason)) ||
      failed(checkExpertsMatch(m, hidden, reason)))
    return failure();
  return m;
}

LogicalResult raise::checkExpertsMatch(ExpertsMatch &m, int64_t hidden,
                                       std::string &reason) {
  if (!isStatic(m.w1) || !isStatic(m.w2) || (m.w1Up && !isStatic(m.w1Up)) ||
      rankOf(m.w1) != 3 || rankOf(m.w2) != 3) {
    reason = "the expert weights are not rank-3 tensors of static sizes";
    return failure();
  }
  int64_t numExperts = dimOf(m.w1, 0);
  // [E, 2I, H] and [E, H, I], or transposed [E, H, 2I] and [E, I, H].
  int64_t rowDim = m.transposed ? 2 : 1, colDim = 3 - rowDim;
  int64_t inter = dimOf(m.w2, colDim);
  int64_t gateUpRows = m.w1Up ? inter : 2 * inter;
  if (dimOf(m.w2, 0) != numExperts || dimOf(m.w1, rowDim) != gateUpRows ||
      dimOf(m.w1, colDim) != hidden || dimOf(m.w2, rowDim) != hidden ||
      (m.w1Up && m.w1Up.getType() != m.w1.getType())) {
    reason = m.transposed
                 ? "the transposed weights are not gate/up [E, H, 2I] and "
                   "down [E, I, H] of one E, I and H"
                 : "the weights are not gate/up [E, 2I, H] (or gate and up "
                   "[E, I, H] each) and down [E, H, I] of one E, I and H";
    return failure();
  }
  if (m.b1 && (!isStatic(m.b1) || !isStatic(m.b2) ||
               dimOf(m.b1, 0) != numExperts || dimOf(m.b1, 1) != 2 * inter ||
               dimOf(m.b2, 0) != numExperts || dimOf(m.b2, 1) != hidden ||
               !isa<BFloat16Type, Float16Type, Float32Type>(
                   getElementTypeOrSelf(m.b1)) ||
               !isa<BFloat16Type, Float16Type, Float32Type>(
                   getElementTypeOrSelf(m.b2)))) {
    reason = "the expert biases are not [E, 2I] and [E, H] of bf16, f16 or "
             "f32 with static sizes";
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
  return success();
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

/// `[E, B, A]` from `w` `[E, A, B]`: a copy per call (Hugging Face's
/// transposed expert weights), as moe.experts takes `[E, N, K]`.
static Value transposeExperts(RewriterBase &rewriter, Location loc, Value w) {
  auto type = cast<RankedTensorType>(w.getType());
  SmallVector<int64_t> shape(type.getShape());
  std::swap(shape[1], shape[2]);
  Value init =
      tensor::EmptyOp::create(rewriter, loc, shape, type.getElementType());
  return linalg::TransposeOp::create(rewriter, loc, w, init,
                                     ArrayRef<int64_t>{0, 2, 1})
      ->getResult(0);
}

ExpertsOp raise::raiseExperts(RewriterBase &rewriter, ExpertsMatch m) {
  Operation *root = m.result.getDefiningOp();
  rewriter.setInsertionPoint(root);
  Location loc = root->getLoc();
  Value weights = castElements(rewriter, loc, m.weights, rewriter.getF32Type());
  Value ids = castElements(rewriter, loc, m.ids, rewriter.getI32Type());
  Value w1 = m.w1Up ? concatGateUp(rewriter, loc, m.w1, m.w1Up) : m.w1;
  Value w2 = m.w2;
  if (m.transposed) {
    w1 = transposeExperts(rewriter, loc, w1);
    w2 = transposeExperts(rewriter, loc, w2);
  }
  ActivationAttr activation =
      m.activation
          ? m.activation
          : ActivationAttr::get(rewriter.getContext(), ActivationKind::SiluMul);
  auto xType = cast<RankedTensorType>(m.x.getType());
  auto experts = ExpertsOp::create(
      rewriter, loc, xType, m.x, w1, w2, weights, ids,
      /*w1_scales=*/Value(), /*w2_scales=*/Value(), m.b1, m.b2, activation,
      /*weight_quant=*/QuantAttr(), /*act_quant=*/QuantAttr(),
      /*act_type=*/TypeAttr(), /*tile=*/TileAttr());
  auto resultType = cast<RankedTensorType>(m.result.getType());
  Value result = castElements(rewriter, loc, experts.getResult(),
                              resultType.getElementType());
  rewriter.replaceOp(root, result);
  return experts;
}

bool raise::isExpertsCandidate(linalg::GenericOp g) {
  return g.hasPureTensorSemantics() && g.getNumResults() == 1 &&
         g.getNumLoops() == 3 && g.getNumReductionLoops() == 1 &&
         g.getIteratorTypesArray()[1] == utils::IteratorType::reduction &&
         isa_and_nonnull<arith::AddFOp>(yieldedOp(g));
}

namespace {
struct RaiseBatchedExperts : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp g,
                                PatternRewriter &rewriter) const override {
    if (!isExpertsCandidate(g))
      return rewriter.notifyMatchFailure(g, "not a sum over dimension 1 of a "
                                            "rank-3 tensor");
    std::string reason;
    FailureOr<ExpertsMatch> match = matchExperts(g, reason);
    if (failed(match))
      return rewriter.notifyMatchFailure(g, reason);
    raiseExperts(rewriter, *match);
    return success();
  }
};

struct RaiseScatteredExperts : OpRewritePattern<tm_tensor::ScatterOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tm_tensor::ScatterOp scatter,
                                PatternRewriter &rewriter) const override {
    if (!isScatteredExpertsCandidate(scatter))
      return rewriter.notifyMatchFailure(scatter,
                                         "not an add into rows of dimension 0");
    std::string reason;
    FailureOr<ExpertsMatch> match = matchScatteredExperts(scatter, reason);
    if (failed(match))
      return rewriter.notifyMatchFailure(scatter, reason);
    raiseExperts(rewriter, *match);
    return success();
  }
};
} // namespace

void raise::populateRaiseExpertsPatterns(RewritePatternSet &patterns) {
  patterns.add<RaiseBatchedExperts, RaiseScatteredExperts>(
      patterns.getContext());
}
