//===- ScatteredExperts.cpp - experts combined by index_add_ / index_put -===//
//
// Matches the routed experts whose weighted routes are added into the
// tokens' rows by a scatter, as torch-mlir lowers Hugging Face's
// `final.index_add_(0, token_idx, out)` (PyTorch decomposes it to
// index_put(..., accumulate=True), ConvertAtenIndexPutHackedTwinOp to
// tm_tensor.scatter):
//
//   %y = tm_tensor.scatter {dimension_map = array<i64: 0>}
//          unique_indices(false)
//          ins(%out as [S, 1, H], %token_idx as [S, 1])
//          outs(%zeros : [T, H]) { yield original + update }
//
// with `out = routes * weights` per route. The routes themselves are
// read by matchBatchedExperts.
//
//===----------------------------------------------------------------------===//

#include "ExpertsForms.h"
#include "LinalgMatchers.h"

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::raise;

bool raise::isScatteredExpertsCandidate(tm_tensor::ScatterOp scatter) {
  if (scatter.getInputs().size() != 2 || scatter.getOutputs().size() != 1 ||
      scatter.getDimensionMap() != ArrayRef<int64_t>{0})
    return false;
  // The region adds the update (argument 0) to the original (argument 1).
  Block &body = scatter.getRegion().front();
  auto yield = body.getTerminator();
  auto add = yield->getNumOperands() == 1
                 ? yield->getOperand(0).getDefiningOp<arith::AddFOp>()
                 : arith::AddFOp();
  if (!add || body.getNumArguments() != 2)
    return false;
  Value u = body.getArgument(0), o = body.getArgument(1);
  return (add.getLhs() == o && add.getRhs() == u) ||
         (add.getLhs() == u && add.getRhs() == o);
}

FailureOr<ExpertsMatch>
raise::matchScatteredExperts(tm_tensor::ScatterOp scatter,
                             std::string &reason) {
  ExpertsMatch m;
  m.result = scatter->getResult(0);
  Value original = scatter.getOutputs()[0];
  if (rankOf(original) != 2 || splatValue(original) != 0.0) {
    reason = "the scatter does not add into a [T, H] tensor of zeros";
    return failure();
  }
  int64_t hidden = dimOf(original, 1);
  // Updates [S, 1, H] (index_put's view) or [S, H], one index per route.
  auto unsqueezed = [](Value v) {
    auto expand = v.getDefiningOp<tensor::ExpandShapeOp>();
    return expand ? expand.getSrc() : v;
  };
  Value updates = scatter.getInputs()[0];
  Value routes = unsqueezed(updates);
  Value index = unsqueezed(scatter.getInputs()[1]);
  if (ShapedType::isDynamic(hidden) || rankOf(routes) != 2 ||
      dimOf(routes, 1) != hidden || rankOf(index) != 1 ||
      rankOf(updates) - 1 > 2 ||
      (rankOf(updates) == 3 && dimOf(updates, 1) != 1)) {
    reason = "the scatter's updates are not one [H] row per route of a "
             "static H";
    return failure();
  }
  // Each route times its weight: o [S, H] * w [S, 1].
  linalg::GenericOp scale = producer(throughFloatCasts(routes));
  auto ins = binaryInputs<arith::MulFOp>(scale);
  if (!ins) {
    reason = "the scattered routes are not each multiplied by a routing "
             "weight";
    return failure();
  }
  unsigned oIdx = readsWhole(scale, ins->first) ? ins->first : ins->second;
  unsigned wIdx = oIdx == ins->first ? ins->second : ins->first;
  Value weights =
      throughReshapes(throughFloatCasts(scale.getDpsInputOperand(wIdx)->get()));
  if (!readsWhole(scale, oIdx) || !readsRowBroadcast(scale, wIdx) ||
      rankOf(weights) != 2 || ShapedType::isDynamic(dimOf(weights, 1))) {
    reason = "the scattered routes are not scaled by a [T, k] weight per "
             "route";
    return failure();
  }
  int64_t k = dimOf(weights, 1);
  m.weights = weights;
  if (failed(matchBatchedExperts(scale.getDpsInputOperand(oIdx)->get(), k, m,
                                 reason)))
    return failure();
  // Route r = t * k + j goes to token t: the scatter's index is the token
  // index, and the zeros have x's rows.
  if (!isRouteTokenIndex(index, k, m.x)) {
    reason = "the scatter's indices are not each route's token index "
             "(arange(T) repeated k times)";
    return failure();
  }
  auto fill = original.getDefiningOp<linalg::FillOp>();
  auto empty =
      fill ? fill.getDpsInitOperand(0)->get().getDefiningOp<tensor::EmptyOp>()
           : tensor::EmptyOp();
  bool sameRows = ShapedType::isDynamic(dimOf(original, 0))
                      ? empty && empty.getDynamicSizes().size() == 1 &&
                            isRowCount(empty.getDynamicSizes()[0], m.x)
                      : dimOf(original, 0) == dimOf(m.x, 0);
  if (!sameRows) {
    reason = "the scatter's zero rows are not one per token of x";
    return failure();
  }
  if (failed(checkExpertsMatch(m, hidden, reason)))
    return failure();
  return m;
}
