//===- DeferAllReduce.cpp - all_reduce into the next add + RMSNorm --------===//
//
// Implements --moe-defer-allreduce: sink all_reduce, then fuse it into the norm.
//
//===----------------------------------------------------------------------===//

#include "moe/Passes/Passes.h"

#include "mlir/IR/Dominance.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOEDEFERALLREDUCEPASS
#include "passes/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

/// The all_reduce producing `v` when `v` is its only use, else null.
static AllReduceOp singleUseAllReduce(Value v) {
  auto ar = v.getDefiningOp<AllReduceOp>();
  return ar && ar.getResult().hasOneUse() ? ar : AllReduceOp();
}

/// True when `v` has the same value on every rank of `group`: a constant,
/// the result of an all_reduce or all_gather over `group`, or elementwise
/// arith of such values (looked through up to a few levels). The fused
/// all_reduce_add_rms_norm does not count: its results also depend on the
/// residual, which may differ per rank.
static bool isReplicated(Value v, StringRef group, int depth = 4) {
  if (matchPattern(v, m_Constant()))
    return true;
  Operation *def = v.getDefiningOp();
  if (!def || depth == 0)
    return false;
  if (auto ar = dyn_cast<AllReduceOp>(def))
    return ar.getGroup() == group;
  if (auto ag = dyn_cast<AllGatherOp>(def))
    return ag.getGroup() == group;
  if (isa<arith::ArithDialect>(def->getDialect()) && isPure(def) &&
      def->getNumResults() == 1)
    return llvm::all_of(def->getOperands(), [&](Value operand) {
      return isReplicated(operand, group, depth - 1);
    });
  return false;
}

/// The single-use all_reduce among the addends {a, b} and the other addend.
static std::pair<AllReduceOp, Value> reducedAddend(Value a, Value b) {
  if (AllReduceOp ar = singleUseAllReduce(a))
    return {ar, b};
  return {singleUseAllReduce(b), a};
}

static bool isDataElementType(Type t) {
  Type e = cast<ShapedType>(t).getElementType();
  return e.isBF16() || e.isF16() || e.isF32();
}

namespace {

/// AR(a) + AR(b) -> AR(a + b) when both reduce over the same group.
struct SinkAllReduceThroughAdd : OpRewritePattern<arith::AddFOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(arith::AddFOp add,
                                PatternRewriter &rewriter) const override {
    AllReduceOp lhs = singleUseAllReduce(add.getLhs());
    AllReduceOp rhs = singleUseAllReduce(add.getRhs());
    if (!lhs || !rhs)
      return rewriter.notifyMatchFailure(add, "operands are not two "
                                              "single-use all_reduce results");
    if (lhs.getGroup() != rhs.getGroup())
      return rewriter.notifyMatchFailure(add, "the all_reduce groups differ");
    Value sum = arith::AddFOp::create(rewriter, add.getLoc(), lhs.getInput(),
                                      rhs.getInput(), add.getFastmathAttr());
    rewriter.replaceOpWithNewOp<AllReduceOp>(add, sum.getType(), sum,
                                             lhs.getGroupAttr());
    rewriter.eraseOp(lhs);
    rewriter.eraseOp(rhs);
    return success();
  }
};

/// c * AR(a) -> AR(c * a) for a value c that every rank of the group has.
struct SinkAllReduceThroughScale : OpRewritePattern<arith::MulFOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(arith::MulFOp mul,
                                PatternRewriter &rewriter) const override {
    for (auto [reduced, other] : {std::pair{mul.getLhs(), mul.getRhs()},
                                  std::pair{mul.getRhs(), mul.getLhs()}}) {
      AllReduceOp ar = singleUseAllReduce(reduced);
      if (!ar || !isReplicated(other, ar.getGroup()))
        continue;
      Value scaled = arith::MulFOp::create(rewriter, mul.getLoc(), other,
                                           ar.getInput(), mul.getFastmathAttr());
      rewriter.replaceOpWithNewOp<AllReduceOp>(mul, scaled.getType(), scaled,
                                               ar.getGroupAttr());
      rewriter.eraseOp(ar);
      return success();
    }
    return rewriter.notifyMatchFailure(
        mul, "no single-use all_reduce operand times a replicated value");
  }
};

/// op(AR(a)) -> AR(op(a)) for a one-operand op that commutes with a sum:
/// reshapes always, casts only when reassociation in another precision is
/// allowed.
template <typename OpTy>
struct SinkAllReduceThroughUnary : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    Operation *raw = op.getOperation();
    AllReduceOp ar = singleUseAllReduce(raw->getOperand(0));
    if (!ar)
      return rewriter.notifyMatchFailure(op, "input is not a single-use "
                                             "all_reduce result");
    if (!isDataElementType(raw->getResult(0).getType()))
      return rewriter.notifyMatchFailure(op, "result type cannot be reduced");
    IRMapping mapping;
    mapping.map(ar.getResult(), ar.getInput());
    Operation *moved = rewriter.clone(*raw, mapping);
    Value movedResult = moved->getResult(0);
    rewriter.replaceOpWithNewOp<AllReduceOp>(raw, movedResult.getType(),
                                             movedResult, ar.getGroupAttr());
    rewriter.eraseOp(ar);
    return success();
  }
};

/// AR(x) + residual -> moe.rms_norm  ==>  moe.all_reduce_add_rms_norm; the
/// fused op's residual_out replaces the other uses of the sum.
struct FuseAllReduceAddIntoRMSNorm : OpRewritePattern<RMSNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RMSNormOp norm,
                                PatternRewriter &rewriter) const override {
    auto add = norm.getX().getDefiningOp<arith::AddFOp>();
    if (!add)
      return rewriter.notifyMatchFailure(norm, "input is not an arith.addf");
    auto [ar, residual] = reducedAddend(add.getLhs(), add.getRhs());
    if (!ar)
      return rewriter.notifyMatchFailure(
          norm, "no addend is a single-use all_reduce result");
    if (residual.getType() != ar.getResult().getType())
      return rewriter.notifyMatchFailure(norm, "addend types differ");
    // The fused op replaces the add, so the norm weight must exist there.
    DominanceInfo dominance(add->getParentOfType<FunctionOpInterface>());
    if (!dominance.properlyDominates(norm.getWeight(), add))
      return rewriter.notifyMatchFailure(norm, "the norm weight is defined "
                                               "after the residual add");
    rewriter.setInsertionPoint(add);
    Type type = residual.getType();
    auto fused = AllReduceAddRMSNormOp::create(
        rewriter, norm.getLoc(), type, type, ar.getInput(), residual,
        norm.getWeight(),
        ar.getGroupAttr(), norm.getEpsilonAttr(), norm.getOffsetAttr());
    rewriter.replaceOp(norm, fused.getNormed());
    rewriter.replaceOp(add, fused.getResidualOut());
    rewriter.eraseOp(ar);
    return success();
  }
};

/// AR(x) -> moe.add_rms_norm  ==>  moe.all_reduce_add_rms_norm.
struct FuseAllReduceIntoAddRMSNorm : OpRewritePattern<AddRMSNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AddRMSNormOp norm,
                                PatternRewriter &rewriter) const override {
    auto [ar, residual] = reducedAddend(norm.getX(), norm.getResidual());
    if (!ar)
      return rewriter.notifyMatchFailure(
          norm, "no addend is a single-use all_reduce result");
    Type type = residual.getType();
    auto fused = AllReduceAddRMSNormOp::create(
        rewriter, norm.getLoc(), type, type, ar.getInput(), residual,
        norm.getWeight(),
        ar.getGroupAttr(), norm.getEpsilonAttr(), norm.getOffsetAttr());
    rewriter.replaceOp(norm, fused.getResults());
    rewriter.eraseOp(ar);
    return success();
  }
};

struct MoEDeferAllReducePass
    : mlir::moe::impl::MoEDeferAllReducePassBase<MoEDeferAllReducePass> {
  using MoEDeferAllReducePassBase::MoEDeferAllReducePassBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateSinkAllReducePatterns(patterns, allowCastReassociation);
    populateFuseAllReduceRMSNormPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void mlir::moe::populateSinkAllReducePatterns(RewritePatternSet &patterns,
                                              bool allowCastReassociation) {
  patterns.add<SinkAllReduceThroughAdd, SinkAllReduceThroughScale,
               SinkAllReduceThroughUnary<tensor::ExpandShapeOp>,
               SinkAllReduceThroughUnary<tensor::CollapseShapeOp>>(
      patterns.getContext());
  if (allowCastReassociation)
    patterns.add<SinkAllReduceThroughUnary<arith::TruncFOp>,
                 SinkAllReduceThroughUnary<arith::ExtFOp>>(
        patterns.getContext());
}

void mlir::moe::populateFuseAllReduceRMSNormPatterns(
    RewritePatternSet &patterns) {
  patterns.add<FuseAllReduceAddIntoRMSNorm, FuseAllReduceIntoAddRMSNorm>(
      patterns.getContext());
}
