//===- SkipInterStageQuant.cpp - GEMM2 on unquantized activations ---------===//
//
// Implements --moe-skip-inter-stage-quant.
//
//===----------------------------------------------------------------------===//

#include "moe/Passes/Passes.h"
#include "moe/Target/InterStageQuantModel.h"

#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/Support/FormatVariadic.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOESKIPINTERSTAGEQUANTPASS
#include "passes/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

static OperandFormat formatOf(Type t) {
  if (isa<Float8E4M3FNUZType>(t))
    return OperandFormat::Fp8FNUZ;
  if (isa<Float8E4M3FNType>(t))
    return OperandFormat::Fp8OCP;
  if (isa<Float4E2M1FNType>(t))
    return OperandFormat::Fp4;
  return OperandFormat::Wide;
}

FailureOr<QuantizeOp> mlir::moe::interStageQuantizeOf(GroupedMatmulOp gemm,
                                                      std::string &reason) {
  if (gemm.getRows() != RowSource::Routes) {
    reason = "GEMM1 reads the tokens, not the activations between the GEMMs";
    return failure();
  }
  if (!gemm.getAScales()) {
    reason = "'a' is not quantized";
    return failure();
  }
  auto quantize = gemm.getA().getDefiningOp<QuantizeOp>();
  if (!quantize) {
    auto producer = gemm.getA().getDefiningOp<GroupedMatmulOp>();
    reason = producer && producer.getOutQuantAttr()
                 ? "the quantization is fused into GEMM1's epilogue (run "
                   "this pass before --moe-fuse-activation-quant)"
                 : "'a' is not the result of a moe.quantize";
    return failure();
  }
  if (quantize.getScales() != gemm.getAScales()) {
    reason = "'a_scales' are not the scales of the quantize of 'a'";
    return failure();
  }
  Type wide = getElementTypeOrSelf(quantize.getInput());
  Type result = gemm.getOutRoundAttr() ? gemm.getOutRoundAttr().getValue()
                                       : getElementTypeOrSelf(gemm.getResult());
  if (wide != result) {
    reason = llvm::formatv("expected the activations' element type ({0}) to "
                           "be the GEMM's result type ({1}), as an "
                           "unquantized 'a' must be",
                           wide, result);
    return failure();
  }
  return quantize;
}

InterStageQuantCost mlir::moe::modelInterStageQuant(const ChipInfo &chip,
                                                    GroupedMatmulOp gemm,
                                                    QuantizeOp quantize) {
  auto values = cast<ShapedType>(quantize.getValues().getType());
  int64_t inner = values.getShape().back();
  QuantAttr scheme = quantize.getScheme();
  // The scales of one row (an upper bound for groups over several rows).
  int64_t scaleCount =
      ShapedType::getNumElements(scheme.getScaleShape({1, inner}));
  Type scaleType = scheme.getScaleElementType(gemm.getContext());
  std::string ignored;
  InterStageQuantProblem p{
      inner,
      gemm.getWType().getDimSize(1),
      getElementTypeOrSelf(quantize.getInput()).getIntOrFloatBitWidth() / 8,
      formatOf(values.getElementType()),
      scaleCount * scaleType.getIntOrFloatBitWidth() / 8.0,
      formatOf(gemm.getWType().getElementType()),
      succeeded(canFuseQuantizeIntoGemm(quantize, ignored))};
  return interStageQuantCost(chip, p);
}

GroupedMatmulOp mlir::moe::skipInterStageQuant(RewriterBase &rewriter,
                                               GroupedMatmulOp gemm,
                                               QuantizeOp quantize) {
  rewriter.setInsertionPoint(gemm);
  auto skipped = GroupedMatmulOp::create(
      rewriter, gemm.getLoc(), gemm.getResult().getType(),
      gemm.getResultScales() ? gemm.getResultScales().getType() : Type(),
      quantize.getInput(), gemm.getW(), gemm.getSortedRouteIds(),
      gemm.getBlockExpertIds(), gemm.getPaddedCount(), gemm.getRouteIds(),
      gemm.getWeights(), gemm.getBias(), gemm.getRowsAttr(), gemm.getTopKAttr(),
      gemm.getBlockMAttr(), gemm.getActivationAttr(), gemm.getTileAttr(),
      /*plan=*/GemmPlanAttr(), // a plan of the quantized GEMM may not fit
      gemm.getSumRoutesAttr(), /*a_scales=*/Value(), gemm.getWScales(),
      /*a_quant=*/QuantAttr(), gemm.getWQuantAttr(), gemm.getOutQuantAttr(),
      gemm.getOutRoundAttr());
  rewriter.replaceOp(gemm, skipped->getResults());
  if (quantize->use_empty())
    rewriter.eraseOp(quantize);
  return skipped;
}

namespace {
enum class SkipMode { Auto, Always, Never };

struct SkipInterStageQuant : OpRewritePattern<GroupedMatmulOp> {
  SkipInterStageQuant(MLIRContext *ctx, SkipMode mode, const ChipInfo *chip)
      : OpRewritePattern(ctx), mode(mode), chip(chip) {}

  LogicalResult matchAndRewrite(GroupedMatmulOp gemm,
                                PatternRewriter &rewriter) const override {
    std::string reason;
    FailureOr<QuantizeOp> quantize = interStageQuantizeOf(gemm, reason);
    if (failed(quantize))
      return rewriter.notifyMatchFailure(gemm, reason);
    if (mode == SkipMode::Never)
      return rewriter.notifyMatchFailure(gemm, "mode=never");
    if (mode == SkipMode::Auto) {
      if (!chip)
        return rewriter.notifyMatchFailure(
            gemm, "mode=auto without a chip keeps the quantization");
      InterStageQuantCost cost = modelInterStageQuant(*chip, gemm, *quantize);
      if (!cost.skipPays())
        return rewriter.notifyMatchFailure(gemm, [&](Diagnostic &d) {
          d << llvm::formatv("the quantized activations model cheaper on "
                             "{0}: {1:e3} vs {2:e3} s per route",
                             chip->name, cost.quantizedSeconds,
                             cost.skippedSeconds);
        });
    }
    skipInterStageQuant(rewriter, gemm, *quantize);
    return success();
  }

  SkipMode mode;
  const ChipInfo *chip;
};

struct MoESkipInterStageQuantPass
    : mlir::moe::impl::MoESkipInterStageQuantPassBase<
          MoESkipInterStageQuantPass> {
  using Base::Base;

  void runOnOperation() override {
    std::optional<SkipMode> skipMode =
        llvm::StringSwitch<std::optional<SkipMode>>(mode)
            .Case("auto", SkipMode::Auto)
            .Case("always", SkipMode::Always)
            .Case("never", SkipMode::Never)
            .Default(std::nullopt);
    if (!skipMode) {
      getOperation()->emitError()
          << "unknown --moe-skip-inter-stage-quant mode '" << mode
          << "'; expected one of: auto, always, never";
      return signalPassFailure();
    }
    const ChipInfo *chip = nullptr;
    if (target != "cpu") {
      chip = lookupChip(target);
      if (!chip) {
        getOperation()->emitError()
            << "unknown --moe-skip-inter-stage-quant target '" << target
            << "'; expected cpu or one of: " << knownChipNames();
        return signalPassFailure();
      }
    }
    RewritePatternSet patterns(&getContext());
    patterns.add<SkipInterStageQuant>(&getContext(), *skipMode, chip);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
