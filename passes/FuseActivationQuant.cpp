//===- FuseActivationQuant.cpp - moe.quantize into the GEMM epilogue ------===//
//
// Implements --moe-fuse-activation-quant.
//
//===----------------------------------------------------------------------===//

#include "moe/Passes/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOEFUSEACTIVATIONQUANTPASS
#include "passes/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

LogicalResult mlir::moe::canFuseQuantizeIntoGemm(QuantizeOp quantize,
                                                 std::string &reason) {
  auto gemm = quantize.getInput().getDefiningOp<GroupedMatmulOp>();
  if (!gemm) {
    reason = "the quantized tensor is not a moe.grouped_matmul result";
    return failure();
  }
  if (gemm.getOutQuantAttr()) {
    reason = "the GEMM already quantizes its result";
    return failure();
  }
  if (gemm.getSumRoutes()) {
    reason = "the GEMM sums routes (its rows are tokens, not routes)";
    return failure();
  }
  if (!gemm.getResult().hasOneUse()) {
    reason = "the GEMM result has other users than the quantize";
    return failure();
  }
  if (!quantize.getScheme().isRowScheme()) {
    reason = "the scheme's groups span several rows";
    return failure();
  }
  return success();
}

FailureOr<GroupedMatmulOp>
mlir::moe::fuseQuantizeIntoGemm(RewriterBase &rewriter, QuantizeOp quantize) {
  std::string reason;
  if (failed(canFuseQuantizeIntoGemm(quantize, reason)))
    return failure();
  auto gemm = quantize.getInput().getDefiningOp<GroupedMatmulOp>();
  Type round = cast<ShapedType>(gemm.getResult().getType()).getElementType();
  rewriter.setInsertionPoint(quantize);
  auto fused = GroupedMatmulOp::create(
      rewriter, gemm.getLoc(), quantize.getValues().getType(),
      quantize.getScales().getType(), gemm.getA(), gemm.getW(),
      gemm.getSortedRouteIds(), gemm.getBlockExpertIds(), gemm.getPaddedCount(),
      gemm.getRouteIds(), gemm.getWeights(), gemm.getBias(), gemm.getRowsAttr(),
      gemm.getTopKAttr(), gemm.getBlockMAttr(), gemm.getActivationAttr(),
      gemm.getTileAttr(),
      /*plan=*/GemmPlanAttr(), // a plan of the unfused GEMM no longer fits
      /*sum_routes=*/UnitAttr(), gemm.getAScales(), gemm.getWScales(),
      gemm.getAQuantAttr(), gemm.getWQuantAttr(), quantize.getScheme(),
      TypeAttr::get(round));
  rewriter.replaceOp(quantize, fused->getResults());
  rewriter.eraseOp(gemm);
  return fused;
}

namespace {
struct FuseQuantizeIntoGemm : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp quantize,
                                PatternRewriter &rewriter) const override {
    std::string reason;
    if (failed(canFuseQuantizeIntoGemm(quantize, reason)))
      return rewriter.notifyMatchFailure(quantize, reason);
    return fuseQuantizeIntoGemm(rewriter, quantize);
  }
};

struct MoEFuseActivationQuantPass
    : mlir::moe::impl::MoEFuseActivationQuantPassBase<
          MoEFuseActivationQuantPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateFuseActivationQuantPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

void mlir::moe::populateFuseActivationQuantPatterns(
    RewritePatternSet &patterns) {
  patterns.add<FuseQuantizeIntoGemm>(patterns.getContext());
}
