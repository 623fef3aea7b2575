//===- ExpandExperts.cpp - moe.experts into align, GEMMs and combine ------===//
//
// Implements --moe-expand-experts.
//
//===----------------------------------------------------------------------===//

#include "moe/Passes/Passes.h"

#include "moe/Conversion/SizeChecks.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOEEXPANDEXPERTSPASS
#include "passes/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

static int64_t dimOf(Value v, int64_t d) {
  return cast<RankedTensorType>(v.getType()).getDimSize(d);
}

LogicalResult mlir::moe::canExpandExperts(ExpertsOp op, std::string &reason) {
  if (ShapedType::isDynamic(dimOf(op.getW1(), 0))) {
    reason = "the expert count (dim 0 of w1) is dynamic";
    return failure();
  }
  if (ShapedType::isDynamic(dimOf(op.getIds(), 1))) {
    reason = "top-k (dim 1 of ids) is dynamic";
    return failure();
  }
  if (ShapedType::isDynamic(dimOf(op.getW1(), 1))) {
    reason = "2I (dim 1 of w1) is dynamic";
    return failure();
  }
  return success();
}

void mlir::moe::materializeSizeChecks(RewriterBase &rewriter, ExpertsOp op) {
  ImplicitLocOpBuilder b(op.getLoc(), rewriter);
  StringAttr name = b.getStringAttr(op->getName().getStringRef());
  for (const OperandSizeRelation &relation : op.getOperandSizeRelations()) {
    auto [found, expected] =
        materializeSizeRelation(b, op->getOperands(), relation);
    std::optional<int64_t> f = getConstantIntValue(found),
                           e = getConstantIntValue(expected);
    if (f && e && *f == *e)
      continue; // proved by the verifier
    CheckSizeOp::create(b, found, expected, name,
                        b.getStringAttr(relation.what));
  }
}

FailureOr<ExpandedExperts>
mlir::moe::buildExpandedExperts(RewriterBase &rewriter, ExpertsOp op,
                                int64_t blockM, int64_t numExperts,
                                Value expertBegin, const ExpertWeightValues &w,
                                std::optional<int64_t> totalExperts) {
  std::string reason;
  if (failed(canExpandExperts(op, reason)))
    return failure();
  Location loc = op.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  TileAttr tile = op.getTileAttr();
  // Route order reads global ids: under a local range the align stays.
  if (blockM == 1 && expertBegin) {
    blockM = 16;
    if (tile)
      tile = TileAttr::get(ctx, blockM, tile.getBlockN());
  }
  Type element = op.getX().getType().getElementType();
  int64_t tokens = dimOf(op.getX(), 0);
  // H of GEMM2's result: the first static one of x, w2 and w1 (they are
  // equal, checked at run time where dynamic), so that static weights give
  // the GEMM a static width when x's H is dynamic.
  int64_t hidden = dimOf(op.getX(), 1);
  for (int64_t h : {dimOf(w.w2, 1), dimOf(op.getW1(), 2)})
    if (ShapedType::isDynamic(hidden))
      hidden = h;
  int64_t topK = dimOf(op.getIds(), 1), twoI = dimOf(op.getW1(), 1);
  int64_t routes = ShapedType::isDynamic(tokens) ? tokens : tokens * topK;
  // moe.align sizes its results from the ids (their T may be the static one
  // when x's is dynamic, or the other way round); the GEMMs from x.
  int64_t idsTokens = dimOf(op.getIds(), 0);
  int64_t idsRoutes =
      ShapedType::isDynamic(idsTokens) ? idsTokens : idsTokens * topK;
  int64_t maxRoutes = computeMaxPaddedRoutes(idsRoutes, numExperts, blockM);
  int64_t maxBlocks =
      ShapedType::isDynamic(maxRoutes) ? maxRoutes : maxRoutes / blockM;
  Type i32 = rewriter.getI32Type();
  auto sortedType = RankedTensorType::get({maxRoutes}, i32);
  auto blocksType = RankedTensorType::get({maxBlocks}, i32);
  auto countType = RankedTensorType::get({}, i32);
  IntegerAttr topKAttr = rewriter.getI64IntegerAttr(topK);
  IntegerAttr blockMAttr = rewriter.getI64IntegerAttr(blockM);

  // The expanded ops take T from different operands (align from ids, the
  // GEMMs from x): the op's own size relations are kept as checks so that
  // a mismatch is reported as it is without expansion.
  materializeSizeChecks(rewriter, op);

  // block_m 1: route order, the GEMMs read the ids (and report the bad
  // ones) themselves. With a local range the align still reports ids
  // outside every expert.
  ExpandedExperts ex;
  bool routeOrder = blockM == 1;
  if (!routeOrder)
    ex.align = AlignOp::create(
        rewriter, loc, sortedType, blocksType, countType, op.getIds(),
        expertBegin, rewriter.getI64IntegerAttr(numExperts), blockMAttr,
        expertBegin && totalExperts ? rewriter.getI64IntegerAttr(*totalExperts)
                                    : IntegerAttr());
  // With act_quant each GEMM reads its A quantized by moe.quantize (x,
  // then the activation's result in x's type, as moe.experts rounds it).
  QuantAttr actQuant = op.getActQuantAttr();
  auto quantizeA = [&](Value a) -> std::pair<Value, Value> {
    if (!actQuant)
      return {a, Value()};
    auto aType = cast<RankedTensorType>(a.getType());
    auto values =
        RankedTensorType::get(aType.getShape(), op.getActTypeAttr().getValue());
    auto scales =
        RankedTensorType::get(actQuant.getScaleShape(aType.getShape()),
                              actQuant.getScaleElementType(ctx));
    auto q = QuantizeOp::create(rewriter, loc, values, scales, a, actQuant);
    return {q.getValues(), q.getScales()};
  };
  QuantAttr weightQuant = op.getWeightQuantAttr();
  auto gemm = [&](Value a, Value w, Value wScales, Value bias, RowSource rows,
                  int64_t cols) {
    auto type = RankedTensorType::get({routes, cols}, element);
    auto [aValues, aScales] = quantizeA(a);
    QuantAttr aQuant = aScales ? actQuant : QuantAttr();
    QuantAttr wQuant = wScales ? weightQuant : QuantAttr();
    // Route order reads the ids; blocks read moe.align's three results.
    Value sorted, blocks, count, routeIds;
    if (routeOrder) {
      routeIds = op.getIds();
    } else {
      sorted = ex.align.getSortedRouteIds();
      blocks = ex.align.getBlockExpertIds();
      count = ex.align.getPaddedCount();
    }
    return GroupedMatmulOp::create(
        rewriter, loc, type, /*result_scales=*/Type(), aValues, w, sorted,
        blocks, count, routeIds, /*weights=*/Value(), bias,
        RowSourceAttr::get(ctx, rows), topKAttr, blockMAttr,
        /*activation=*/ActivationAttr(), tile, /*plan=*/GemmPlanAttr(),
        /*sum_routes=*/UnitAttr(), aScales, wScales, aQuant, wQuant,
        /*out_quant=*/QuantAttr(), /*out_round=*/TypeAttr());
  };
  ex.gemm1 =
      gemm(op.getX(), w.w1, w.w1Scales, w.w1Bias, RowSource::Tokens, twoI);
  ex.activation = ActivationOp::create(
      rewriter, loc, RankedTensorType::get({routes, twoI / 2}, element),
      ex.gemm1.getResult(), op.getActivation());
  ex.gemm2 = gemm(ex.activation.getResult(), w.w2, w.w2Scales, w.w2Bias,
                  RowSource::Routes, hidden);
  // The combine reads only the routes of local experts: the rows GEMM2
  // writes (so its output needs no zero fill).
  ex.combine =
      CombineOp::create(rewriter, loc, op.getResult().getType(),
                        ex.gemm2.getResult(), op.getWeights(), op.getIds(),
                        expertBegin, rewriter.getI64IntegerAttr(numExperts));
  return ex;
}

FailureOr<CombineOp> mlir::moe::expandExperts(RewriterBase &rewriter,
                                              ExpertsOp op, int64_t blockM) {
  if (TileAttr tile = op.getTileAttr())
    blockM = tile.getBlockM();
  FailureOr<ExpandedExperts> ex =
      buildExpandedExperts(rewriter, op, blockM, dimOf(op.getW1(), 0),
                           /*expertBegin=*/Value(),
                           {op.getW1(), op.getW2(), op.getW1Scales(),
                            op.getW2Scales(), op.getW1Bias(), op.getW2Bias()});
  if (failed(ex))
    return failure();
  rewriter.replaceOp(op, ex->combine.getResult());
  return ex->combine;
}

namespace {
struct ExpandExpertsIntoGroupedGemms : OpRewritePattern<ExpertsOp> {
  ExpandExpertsIntoGroupedGemms(MLIRContext *ctx, int64_t blockM)
      : OpRewritePattern(ctx), blockM(blockM) {}

  LogicalResult matchAndRewrite(ExpertsOp op,
                                PatternRewriter &rewriter) const override {
    std::string reason;
    if (failed(canExpandExperts(op, reason)))
      return rewriter.notifyMatchFailure(op, reason);
    return expandExperts(rewriter, op, blockM);
  }

  int64_t blockM;
};

struct MoEExpandExpertsPass
    : mlir::moe::impl::MoEExpandExpertsPassBase<MoEExpandExpertsPass> {
  using MoEExpandExpertsPassBase::MoEExpandExpertsPassBase;

  void runOnOperation() override {
    if (blockM != 1 &&
        (blockM < 16 || blockM > 256 || !llvm::isPowerOf2_64(blockM))) {
      getOperation()->emitError()
          << "expected 'block-m' to be 1 (route order) or a power of two in "
             "[16, 256], got "
          << static_cast<int64_t>(blockM);
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    populateExpandExpertsPatterns(patterns, blockM);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

void mlir::moe::populateExpandExpertsPatterns(RewritePatternSet &patterns,
                                              int64_t blockM) {
  patterns.add<ExpandExpertsIntoGroupedGemms>(patterns.getContext(), blockM);
}
