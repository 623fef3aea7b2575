//===- FuseSwiGLUGemm1.cpp - gated activation into the GEMM epilogue ------===//
//
// Implements --moe-fuse-swiglu-gemm1.
//
//===----------------------------------------------------------------------===//

#include "moe/Passes/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOEFUSESWIGLUGEMM1PASS
#include "passes/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

LogicalResult mlir::moe::canFuseActivationIntoGemm(ActivationOp act,
                                                   std::string &reason) {
  auto gemm = act.getInput().getDefiningOp<GroupedMatmulOp>();
  if (!gemm) {
    reason = "the activation input is not a moe.grouped_matmul result";
    return failure();
  }
  if (gemm.getActivation()) {
    reason = "the GEMM already has an activation epilogue";
    return failure();
  }
  if (!gemm.getResult().hasOneUse()) {
    reason = "the GEMM result has other users than the activation";
    return failure();
  }
  auto type = cast<RankedTensorType>(gemm.getResult().getType());
  if (type.isDynamicDim(1)) {
    reason = "the GEMM output width N (gate + up) is dynamic";
    return failure();
  }
  return success();
}

FailureOr<GroupedMatmulOp>
mlir::moe::fuseActivationIntoGemm(RewriterBase &rewriter, ActivationOp act) {
  std::string reason;
  if (failed(canFuseActivationIntoGemm(act, reason)))
    return failure();
  auto gemm = act.getInput().getDefiningOp<GroupedMatmulOp>();
  rewriter.setInsertionPoint(act);
  auto fused = GroupedMatmulOp::create(
      rewriter, gemm.getLoc(), act.getResult().getType(),
      /*result_scales=*/Type(), gemm.getA(), gemm.getW(),
      gemm.getSortedRouteIds(), gemm.getBlockExpertIds(), gemm.getPaddedCount(),
      gemm.getRouteIds(), gemm.getWeights(), gemm.getBias(), gemm.getRowsAttr(),
      gemm.getTopKAttr(), gemm.getBlockMAttr(), act.getKind(),
      gemm.getTileAttr(),
      /*plan=*/GemmPlanAttr(), // a plan of the unfused GEMM no longer fits
      /*sum_routes=*/UnitAttr(), gemm.getAScales(), gemm.getWScales(),
      gemm.getAQuantAttr(), gemm.getWQuantAttr(), /*out_quant=*/QuantAttr(),
      /*out_round=*/TypeAttr());

  rewriter.replaceOp(act, fused.getResult());
  rewriter.eraseOp(gemm);
  return fused;
}

namespace {
struct FuseSwiGLUIntoGemm1 : OpRewritePattern<ActivationOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ActivationOp act,
                                PatternRewriter &rewriter) const override {
    std::string reason;
    if (failed(canFuseActivationIntoGemm(act, reason)))
      return rewriter.notifyMatchFailure(act, reason);
    return fuseActivationIntoGemm(rewriter, act);
  }
};

struct MoEFuseSwiGLUGemm1Pass
    : mlir::moe::impl::MoEFuseSwiGLUGemm1PassBase<MoEFuseSwiGLUGemm1Pass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateFuseSwiGLUGemm1Patterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

void mlir::moe::populateFuseSwiGLUGemm1Patterns(RewritePatternSet &patterns) {
  patterns.add<FuseSwiGLUIntoGemm1>(patterns.getContext());
}
