//===- RaiseLinalg.cpp - torch-mlir's linalg-on-tensors MoE to moe ops ----===//
//
// Implements --moe-raise-linalg.
//
//===----------------------------------------------------------------------===//

#include "LinalgMatchers.h"
#include "RaisePatterns.h"
#include "moe/Passes/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOERAISELINALGPASS
#include "passes/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::raise;

namespace {
/// `truncf(extf(x))` or `trunci(extsi(x))` back to x's type is x: the
/// raised ops return their own element types where the model IR widened
/// them (the experts' f32 sum, moe.gate's i32 ids).
struct FoldWidenThenNarrow : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp g,
                                PatternRewriter &rewriter) const override {
    if (!g.hasPureTensorSemantics() || g.getNumResults() != 1)
      return rewriter.notifyMatchFailure(g, "not a generic on tensors");
    Value narrow;
    if (Value wide = matchUnary<arith::TruncFOp>(g.getResult(0)))
      narrow = matchUnary<arith::ExtFOp>(wide);
    else if (Value wide = matchUnary<arith::TruncIOp>(g.getResult(0)))
      narrow = matchUnary<arith::ExtSIOp>(wide);
    if (!narrow || narrow.getType() != g.getResult(0).getType())
      return rewriter.notifyMatchFailure(g, "not a narrowing of a widening");
    rewriter.replaceOp(g, narrow);
    return success();
  }
};
} // namespace

void mlir::moe::populateRaiseLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<FoldWidenThenNarrow>(patterns.getContext());
  populateRaiseRouterPatterns(patterns);
  populateRaiseRMSNormPatterns(patterns);
  populateRaiseExpertsPatterns(patterns);
}

/// The remark of the router whose top-k is `sort` (a tm_tensor.sort or
/// tm_tensor.topk).
static void reportRouter(Operation *sort, const FailureOr<RouterMatch> &m,
                         const std::string &reason) {
  if (failed(m)) {
    sort->emitRemark("router not raised: ") << reason;
    return;
  }
  auto remark = sort->emitRemark("router raised to moe.gate top_k ")
                << m->topK << " " << stringifyScoringFunc(m->scoring);
  if (m->bias)
    remark << " bias";
  if (m->groups)
    remark << " groups " << m->groups << " keep " << m->keep;
  if (m->renormalization)
    remark << " renormalize";
  if (!m->renormalizationNote.empty())
    remark << "; not raised: " << m->renormalizationNote;
}

/// The remark of the experts whose combine is `root`.
static void reportExperts(Operation *root, const FailureOr<ExpertsMatch> &m,
                          const std::string &reason) {
  if (failed(m)) {
    root->emitRemark("experts not raised: ") << reason;
    return;
  }
  auto remark = root->emitRemark("experts raised to moe.experts");
  if (m->activation)
    remark << " activation " << m->activation;
  if (m->b1)
    remark << " with biases";
  if (m->transposed)
    remark << "; gate_up_proj and down_proj are transposed once per call";
  if (m->w1Up)
    remark << "; gate and up are copied into one [E, 2I, H] once per call";
}

/// One remark per candidate: what it will be raised to, or why not. The
/// sorts inside a raised router (DeepSeek-V3's group selection) are named
/// as its parts.
static void reportCandidates(Operation *root) {
  SmallVector<
      std::tuple<tm_tensor::SortOp, FailureOr<RouterMatch>, std::string>>
      routers;
  llvm::DenseMap<Operation *, Operation *> partOf;
  root->walk([&](tm_tensor::SortOp sort) {
    std::string reason;
    FailureOr<RouterMatch> m = matchRouter(sort, reason);
    if (succeeded(m))
      for (Operation *inner : m->innerSorts)
        partOf[inner] = sort;
    routers.emplace_back(sort, std::move(m), reason);
  });
  for (auto &[sort, m, reason] : routers) {
    if (Operation *router = partOf.lookup(sort)) {
      sort.emitRemark("part of the router raised at ") << router->getLoc();
      continue;
    }
    reportRouter(sort, m, reason);
  }
  root->walk([](tm_tensor::TopkOp topk) {
    std::string reason;
    FailureOr<RouterMatch> m = matchRouter(topk, reason);
    reportRouter(topk, m, reason);
  });
  root->walk([](linalg::GenericOp g) {
    std::string reason;
    if (isRMSNormCandidate(g)) {
      FailureOr<RMSNormMatch> m = matchRMSNorm(g, reason);
      if (failed(m))
        g.emitRemark("RMSNorm not raised: ") << reason;
      else if (matchResidualAdd(m->x))
        g.emitRemark("RMSNorm raised to moe.add_rms_norm with the residual "
                     "add before it");
      else
        g.emitRemark("RMSNorm raised to moe.rms_norm");
      return;
    }
    if (isExpertsCandidate(g))
      reportExperts(g, matchExperts(g, reason), reason);
  });
  root->walk([](tm_tensor::ScatterOp scatter) {
    std::string reason;
    if (isScatteredExpertsCandidate(scatter))
      reportExperts(scatter, matchScatteredExperts(scatter, reason), reason);
  });
}

namespace {
struct MoERaiseLinalgPass
    : mlir::moe::impl::MoERaiseLinalgPassBase<MoERaiseLinalgPass> {
  using Base::Base;

  void runOnOperation() override {
    if (report)
      reportCandidates(getOperation());
    RewritePatternSet patterns(&getContext());
    populateRaiseLinalgPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
