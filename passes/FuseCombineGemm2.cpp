//===- FuseCombineGemm2.cpp - moe.combine into the route-order GEMM -------===//
//
// Implements --moe-fuse-combine-gemm2.
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/MoE/MMARowDotOperands.h"
#include "moe/Passes/Passes.h"
#include "moe/Target/Chip.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOEFUSECOMBINEGEMM2PASS
#include "passes/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

LogicalResult mlir::moe::canFuseCombineIntoGemm(CombineOp combine,
                                                std::string &reason,
                                                const ChipInfo *chip) {
  auto gemm = combine.getRoutes().getDefiningOp<GroupedMatmulOp>();
  if (!gemm) {
    reason = "the combined routes are not a moe.grouped_matmul result";
    return failure();
  }
  if (!gemm.isRouteOrder()) {
    reason = "the GEMM is not in route order (it takes moe.align's blocks)";
    return failure();
  }
  if (gemm.getRows() != RowSource::Routes || gemm.getSumRoutes()) {
    reason = "the GEMM does not compute one row per route from route rows";
    return failure();
  }
  if (gemm.getWeights() || gemm.getActivation()) {
    reason = "the GEMM already has weights or an activation epilogue";
    return failure();
  }
  if (!gemm.getResult().hasOneUse()) {
    reason = "the GEMM result has other users than the combine";
    return failure();
  }
  // Route order leaves the rows of ids outside [0, E) out; a combine with
  // ids skips the same routes only when it reads the GEMM's ids over its E.
  if (combine.getExpertBegin()) {
    reason = "the combine takes an expert range";
    return failure();
  }
  if (combine.getIds() &&
      (combine.getIds() != gemm.getRouteIds() ||
       combine.getNumExperts() != gemm.getWType().getDimSize(0))) {
    reason = "the combine's ids or expert count differ from the GEMM's";
    return failure();
  }
  if (chip && chip->mmaFamily == MMAFamily::MMASync &&
      hasMMARowDotOperands(gemm)) {
    reason = ("on " + chip->name +
              " the GEMM's operands (fp4 weights with mx scales, or fp8 "
              "weights and activations) run on an mma_row_dot kernel, which "
              "does not sum routes")
                 .str();
    return failure();
  }
  if (gemm.getTopKAttr().getInt() > kMaxSummedRoutes) {
    reason = "top-k is above the " + std::to_string(kMaxSummedRoutes) +
             " routes a fused GEMM sums";
    return failure();
  }
  return success();
}

FailureOr<GroupedMatmulOp>
mlir::moe::fuseCombineIntoGemm(RewriterBase &rewriter, CombineOp combine,
                               const ChipInfo *chip) {
  std::string reason;
  if (failed(canFuseCombineIntoGemm(combine, reason, chip)))
    return failure();
  auto gemm = combine.getRoutes().getDefiningOp<GroupedMatmulOp>();
  rewriter.setInsertionPoint(combine);
  auto fused = GroupedMatmulOp::create(
      rewriter, gemm.getLoc(), combine.getResult().getType(),
      /*result_scales=*/Type(), gemm.getA(), gemm.getW(), Value(), Value(),
      Value(), gemm.getRouteIds(), combine.getScale(), gemm.getBias(),
      gemm.getRowsAttr(), gemm.getTopKAttr(), gemm.getBlockMAttr(),
      /*activation=*/ActivationAttr(), gemm.getTileAttr(),
      /*plan=*/GemmPlanAttr(), // a plan of the unfused GEMM no longer fits
      /*sum_routes=*/rewriter.getUnitAttr(), gemm.getAScales(),
      gemm.getWScales(), gemm.getAQuantAttr(), gemm.getWQuantAttr(),
      /*out_quant=*/QuantAttr(), /*out_round=*/TypeAttr());
  rewriter.replaceOp(combine, fused.getResult());
  rewriter.eraseOp(gemm);
  return fused;
}

namespace {
struct FuseCombineIntoGemm2 : OpRewritePattern<CombineOp> {
  FuseCombineIntoGemm2(MLIRContext *ctx, const ChipInfo *chip)
      : OpRewritePattern(ctx), chip(chip) {}

  LogicalResult matchAndRewrite(CombineOp combine,
                                PatternRewriter &rewriter) const override {
    std::string reason;
    if (failed(canFuseCombineIntoGemm(combine, reason, chip)))
      return rewriter.notifyMatchFailure(combine, reason);
    return fuseCombineIntoGemm(rewriter, combine, chip);
  }
  const ChipInfo *chip;
};

struct MoEFuseCombineGemm2Pass
    : mlir::moe::impl::MoEFuseCombineGemm2PassBase<MoEFuseCombineGemm2Pass> {
  using Base::Base;

  void runOnOperation() override {
    const ChipInfo *chip = nullptr;
    if (target != "cpu") {
      chip = lookupChip(target);
      if (!chip) {
        getOperation()->emitError()
            << "unknown --moe-fuse-combine-gemm2 target '" << target
            << "'; expected cpu or one of: " << knownChipNames();
        return signalPassFailure();
      }
    }
    RewritePatternSet patterns(&getContext());
    populateFuseCombineGemm2Patterns(patterns, chip);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

void mlir::moe::populateFuseCombineGemm2Patterns(RewritePatternSet &patterns,
                                                 const ChipInfo *chip) {
  patterns.add<FuseCombineIntoGemm2>(patterns.getContext(), chip);
}
