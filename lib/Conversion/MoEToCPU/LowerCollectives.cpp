//===- LowerCollectives.cpp - CPU reference of single-rank collectives ----===//
//
// Lowers collectives over a group of one rank, where each is the identity.
//
//===----------------------------------------------------------------------===//

#include "Lowerings.h"

#include "moe/Dialect/MoE/MoE.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::moe;

/// True when `op`'s group (named `group`) has exactly one rank.
bool mlir::moe::cpu::isSingleRankGroup(Operation *op, StringRef group) {
  FailureOr<int64_t> size = lookupGroupSize(op, group);
  return succeeded(size) && *size == 1;
}

namespace {

/// all_reduce, all_gather and reduce_scatter over one rank return their input.
template <typename OpTy>
struct LowerSingleRankCollective : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!cpu::isSingleRankGroup(op, op.getGroup()))
      return rewriter.notifyMatchFailure(op, "group of more than one rank");
    Value input = adaptor.getInput();
    Type resultType = op.getResult().getType();
    if (input.getType() != resultType)
      input = tensor::CastOp::create(rewriter, op.getLoc(), resultType, input);
    rewriter.replaceOp(op, input);
    return success();
  }
};

/// all_to_all over one rank keeps every row; it receives what it sends.
struct LowerSingleRankAllToAll : OpConversionPattern<AllToAllOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(AllToAllOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!cpu::isSingleRankGroup(op, op.getGroup()))
      return rewriter.notifyMatchFailure(op, "group of more than one rank");
    Value input = adaptor.getInput();
    if (!tensor::CastOp::areCastCompatible(input.getType(),
                                           op.getResult().getType()))
      return rewriter.notifyMatchFailure(op, "row capacity differs from input");
    if (input.getType() != op.getResult().getType())
      input = tensor::CastOp::create(rewriter, op.getLoc(),
                                     op.getResult().getType(), input);
    rewriter.replaceOp(op, {input, adaptor.getSendCounts()});
    return success();
  }
};

} // namespace

void mlir::moe::cpu::populateCollectiveLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns.add<LowerSingleRankCollective<AllReduceOp>,
               LowerSingleRankCollective<AllGatherOp>,
               LowerSingleRankCollective<ReduceScatterOp>,
               LowerSingleRankAllToAll>(patterns.getContext());
}
