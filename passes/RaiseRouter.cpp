//===- RaiseRouter.cpp - torch-mlir's softmax/sigmoid top-k to moe.gate ---===//
//
// Matches a router in linalg-on-tensors and rewrites it to moe.gate.
//
//===----------------------------------------------------------------------===//

#include "GroupLimitedScores.h"
#include "LinalgMatchers.h"
#include "RaisePatterns.h"

#include "mlir/IR/Matchers.h"

#include <cmath>

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::raise;

/// The only user of `v` when it is a slice of the first `k` columns of all
/// rows, with `k` in `k`.
static tensor::ExtractSliceOp leadingColumns(Value v, int64_t &k) {
  if (!v.hasOneUse())
    return {};
  auto slice = dyn_cast<tensor::ExtractSliceOp>(*v.getUsers().begin());
  std::optional<int64_t> cols = slice && slice.getSourceType().getRank() == 2
                                    ? firstColumnsOfAllRows(slice)
                                    : std::nullopt;
  if (!cols)
    return {};
  k = *cols;
  return slice;
}

/// The generic to replace when `values` (the top-k logits) go through a
/// softmax over their k columns (possibly widened before and rounded
/// after): top-k then softmax, which is moe.gate's softmax renormalized.
static linalg::GenericOp softmaxOfTopK(Value values) {
  Operation *def = values.getDefiningOp();
  Block *block = def->getBlock();
  for (Operation &op :
       llvm::make_range(std::next(def->getIterator()), block->end())) {
    auto g = dyn_cast<linalg::GenericOp>(&op);
    if (!g || g.getNumResults() != 1)
      continue;
    Value x = matchSoftmax(g.getResult(0));
    if (!x || throughExtF(x) != values)
      continue;
    if (g.getResult(0).hasOneUse())
      if (auto round =
              dyn_cast<linalg::GenericOp>(*g.getResult(0).getUsers().begin());
          round && matchUnary<arith::TruncFOp>(round.getResult(0)))
        return round;
    return g;
  }
  return {};
}

/// The only user of `ids` (`[T, k]`) that reads `scores` (`[T, E]`) at them:
/// torch-mlir's aten.gather(scores, 1, ids), a generic over `[T, k]` yielding
/// `tensor.extract %scores[d0, ids[d0, d1]]`; null otherwise.
static Value gatheredAt(Value scores, Value ids) {
  for (Operation *user : ids.getUsers()) {
    auto g = dyn_cast<linalg::GenericOp>(user);
    if (!g || !isElementwise(g) || g.getNumDpsInputs() != 1 ||
        g.getDpsInputOperand(0)->get() != ids || !readsWhole(g, 0))
      continue;
    auto extract = dyn_cast_or_null<tensor::ExtractOp>(yieldedOp(g));
    if (!extract || extract.getTensor() != scores ||
        extract.getIndices().size() != 2)
      continue;
    auto row = extract.getIndices()[0].getDefiningOp<linalg::IndexOp>();
    auto cast = extract.getIndices()[1].getDefiningOp<arith::IndexCastOp>();
    if (row && row.getDim() == 0 && cast && inputOf(g, cast.getIn()) == ids)
      return g.getResult(0);
  }
  return {};
}

/// Records in `m` the division of the top-k values by their sum (HF's
/// `norm_topk_prob`), when the values feed exactly that sum and division.
static void findRenormalization(RouterMatch &m) {
  Value values = m.weights;
  linalg::GenericOp sum, div;
  for (Operation *user : values.getUsers()) {
    auto g = dyn_cast<linalg::GenericOp>(user);
    auto divides = wholeOpRowBroadcast<arith::DivFOp>(g);
    if (g && matchLastDimReduction(g.getResult(0), Reduction::Add) == values)
      sum = g;
    else if (divides && divides->first == values)
      div = g;
    else
      return;
  }
  if (!sum || !div)
    return;
  if (wholeOpRowBroadcast<arith::DivFOp>(div)->second == sum.getResult(0)) {
    m.renormalization = div;
    return;
  }
  // DeepSeek-V3 in Hugging Face divides by `sum + 1e-20`.
  m.renormalizationNote =
      "the top-k values are divided by something other than their sum "
      "(e.g. sum + 1e-20), which moe.gate's renormalize does not compute: "
      "that division is kept as it is";
}

/// The rest of a router once its selection is known (`m.selection`,
/// `m.ids`, `m.values` when used): which scores of which logits it selects,
/// and how the weights are computed.
static LogicalResult matchRouterScores(RouterMatch &m, Value scores,
                                       int64_t kValues, std::string &reason);

FailureOr<RouterMatch> raise::matchRouter(tm_tensor::SortOp sort,
                                          std::string &reason) {
  RouterMatch m;
  m.selection = sort;
  if (!sort.getInputs().empty() || sort.getOutputs().size() != 2) {
    reason = "expected a sort of two tensors (scores, iota) in outs";
    return failure();
  }
  auto scoresType = cast<RankedTensorType>(sort.getOutputs()[0].getType());
  if (scoresType.getRank() != 2 || sort.getDimension() != 1) {
    reason = "expected a sort of [T, E] scores along dimension 1, got rank " +
             std::to_string(scoresType.getRank()) + " along dimension " +
             std::to_string(sort.getDimension());
    return failure();
  }
  if (!sortsDescending(sort)) {
    reason = "the comparator does not sort the scores descending (expected "
             "'arith.cmpf oge' or 'ogt' of the first two arguments)";
    return failure();
  }
  if (!isIota(sort.getOutputs()[1], 1)) {
    reason = "the second sorted tensor is not an iota along dimension 1";
    return failure();
  }
  if (scoresType.isDynamicDim(1)) {
    reason = "the expert count (dimension 1 of the scores) is dynamic";
    return failure();
  }
  int64_t kValues = 0, kIds = 0;
  tensor::ExtractSliceOp ids = leadingColumns(sort.getResult(1), kIds);
  bool valuesUsed = !sort.getResult(0).use_empty();
  tensor::ExtractSliceOp values;
  if (valuesUsed)
    values = leadingColumns(sort.getResult(0), kValues);
  if (!ids || (valuesUsed && (!values || kValues != kIds))) {
    reason = "the sorted scores and ids are not each used by exactly one "
             "slice of the same first k columns of every row";
    return failure();
  }
  m.ids = ids.getResult();
  if (values)
    m.values = values.getResult();
  if (failed(matchRouterScores(m, sort.getOutputs()[0], kIds, reason)))
    return failure();
  return m;
}

/// Whether the comparator of `topk` puts a candidate first only when it is
/// strictly greater: `cmpf ogt(a0, a1)` (or `olt(a1, a0)`). With outs of
/// -inf, the k values are then the largest in order, ties to the lower
/// index, as moe.gate selects them.
static bool takesStrictlyGreater(tm_tensor::TopkOp topk) {
  Block &block = topk.getRegion().front();
  auto yield = cast<tm_tensor::YieldOp>(block.getTerminator());
  auto cmp = yield->getNumOperands() == 1
                 ? yield->getOperand(0).getDefiningOp<arith::CmpFOp>()
                 : arith::CmpFOp();
  if (!cmp || block.getNumArguments() != 2)
    return false;
  Value a = block.getArgument(0), b = block.getArgument(1);
  using P = arith::CmpFPredicate;
  return (cmp.getPredicate() == P::OGT && cmp.getLhs() == a &&
          cmp.getRhs() == b) ||
         (cmp.getPredicate() == P::OLT && cmp.getLhs() == b &&
          cmp.getRhs() == a);
}

FailureOr<RouterMatch> raise::matchRouter(tm_tensor::TopkOp topk,
                                          std::string &reason) {
  RouterMatch m;
  m.selection = topk;
  auto scoresType = cast<RankedTensorType>(topk.getInputs()[0].getType());
  if (scoresType.getRank() != 2 || topk.getDimension() != 1) {
    reason = "expected a top-k of [T, E] scores along dimension 1, got rank " +
             std::to_string(scoresType.getRank()) + " along dimension " +
             std::to_string(topk.getDimension());
    return failure();
  }
  if (!takesStrictlyGreater(topk)) {
    reason = "the comparator does not put strictly greater scores first "
             "(expected 'arith.cmpf ogt' of the candidate and the kept value: "
             "with 'oge' equal scores end up later index first, which "
             "moe.gate does not do)";
    return failure();
  }
  if (topk.getInputs().size() == 2 && !isIota(topk.getInputs()[1], 1)) {
    reason = "the indices given with the scores are not an iota along "
             "dimension 1";
    return failure();
  }
  if (splatValue(topk.getOutputs()[0]) != -INFINITY) {
    reason = "the top-k values do not start as -inf (the initial outs take "
             "part in the selection)";
    return failure();
  }
  if (scoresType.isDynamicDim(1)) {
    reason = "the expert count (dimension 1 of the scores) is dynamic";
    return failure();
  }
  int64_t k =
      cast<RankedTensorType>(topk.getOutputs()[0].getType()).getDimSize(1);
  if (ShapedType::isDynamic(k)) {
    reason = "k (dimension 1 of the top-k outs) is dynamic";
    return failure();
  }
  m.ids = topk->getResult(1);
  if (!topk->getResult(0).use_empty())
    m.values = topk->getResult(0);
  if (failed(matchRouterScores(m, topk.getInputs()[0], k, reason)))
    return failure();
  return m;
}

static LogicalResult matchRouterScores(RouterMatch &m, Value scores,
                                       int64_t kValues, std::string &reason) {
  auto scoresType = cast<RankedTensorType>(scores.getType());
  if (m.values)
    m.weights = m.values;
  bool f32Scores = scoresType.getElementType().isF32();
  Value x = f32Scores ? matchSoftmax(scores) : Value();
  m.scoring = ScoringFunc::Softmax;
  if (!x && f32Scores && (x = matchSigmoid(scores)))
    m.scoring = ScoringFunc::Sigmoid;
  std::string groupsReason;
  if (!x && f32Scores) {
    // DeepSeek-V3: group-limited biased sigmoid scores; the weights are the
    // unbiased scores gathered at the ids.
    FailureOr<GroupLimitedScores> limited =
        matchGroupLimitedScores(scores, groupsReason);
    if (succeeded(limited) && !m.values &&
        isa<tm_tensor::SortOp>(m.selection)) {
      m.weights = gatheredAt(limited->scores, m.ids);
      if (m.weights) {
        x = limited->logits;
        m.scoring = ScoringFunc::Sigmoid;
        m.bias = limited->bias;
        m.groups = limited->groups;
        m.keep = limited->keep;
        m.innerSorts = limited->innerSorts;
      } else {
        groupsReason = "the routing weights are not the unbiased scores "
                       "gathered at the ids";
      }
    } else if (succeeded(limited)) {
      groupsReason = "the top-k values of the masked scores are used (moe.gate "
                     "returns the unbiased scores at the ids)";
    }
  }
  if (!x && !m.values) {
    reason = groupsReason.empty() ? "the top-k values are unused and the "
                                    "scores are not group-limited"
                                  : groupsReason;
    return failure();
  }
  if (!x) {
    // gpt-oss: top-k of the logits, then a softmax over the k values.
    m.renormalization = softmaxOfTopK(m.values);
    if (!m.renormalization) {
      reason = f32Scores
                   ? "the sorted scores are neither a softmax nor a sigmoid "
                     "over the last dimension of the logits, nor logits "
                     "whose top-k values go through a softmax" +
                         (groupsReason.empty()
                              ? std::string()
                              : ", nor group-limited: " + groupsReason)
                   : "the scores are not f32 (moe.gate scores in f32; a "
                     "narrower score type would round differently), nor "
                     "logits whose top-k values go through a softmax";
      return failure();
    }
    x = scores;
  }
  m.logits = x;
  m.topK = kValues;
  if (m.topK < 1 || m.topK > scoresType.getDimSize(1)) {
    reason = "expected 1 <= k <= " + std::to_string(scoresType.getDimSize(1)) +
             " experts, got k = " + std::to_string(m.topK);
    return failure();
  }
  m.logits = throughExtF(m.logits);
  auto logitsType = dyn_cast<RankedTensorType>(m.logits.getType());
  if (!logitsType || logitsType.getRank() != 2 ||
      !isa<BFloat16Type, Float16Type, Float32Type>(
          logitsType.getElementType())) {
    reason = "the logits are not a [T, E] tensor of bf16, f16 or f32";
    return failure();
  }
  if (!isa<IntegerType>(getElementTypeOrSelf(m.ids))) {
    reason = "the selected ids are not of an integer type";
    return failure();
  }
  if (!m.renormalization)
    findRenormalization(m);
  return success();
}

GateOp raise::raiseRouter(RewriterBase &rewriter, RouterMatch m) {
  // The logits dominate the selection, and every replaced value follows it.
  rewriter.setInsertionPointAfter(m.selection);
  Location loc = m.selection->getLoc();
  auto valuesType =
      cast<RankedTensorType>(m.weights.getType()).clone(rewriter.getF32Type());
  auto idsType =
      cast<RankedTensorType>(m.ids.getType()).clone(rewriter.getI32Type());
  auto gate = GateOp::create(
      rewriter, loc, valuesType, idsType, m.logits, m.bias,
      rewriter.getI64IntegerAttr(m.topK),
      ScoringFuncAttr::get(rewriter.getContext(), m.scoring),
      m.renormalization ? rewriter.getUnitAttr() : UnitAttr(),
      m.groups ? rewriter.getI64IntegerAttr(m.groups) : IntegerAttr(),
      m.groups ? rewriter.getI64IntegerAttr(m.keep) : IntegerAttr(),
      /*scaling=*/FloatAttr());
  Value ids =
      castElements(rewriter, loc, gate.getIds(), getElementTypeOrSelf(m.ids));
  Value replaced =
      m.renormalization ? m.renormalization.getResult(0) : m.weights;
  rewriter.replaceAllUsesWith(replaced,
                              castElements(rewriter, loc, gate.getWeights(),
                                           getElementTypeOrSelf(replaced)));
  rewriter.replaceAllUsesWith(m.ids, ids);
  // The ops that computed them go (a gather's bound asserts keep it alive
  // otherwise); a tm_tensor.topk goes once both its results are unused.
  for (Value old : {replaced, m.ids})
    if (Operation *def = old.getDefiningOp();
        def && def != m.selection && def->use_empty())
      rewriter.eraseOp(def);
  return gate;
}

namespace {
/// The router whose selection is a tm_tensor.sort or tm_tensor.topk
/// (`matchRouter` of either) -> moe.gate.
template <typename SelectionOp>
struct RaiseTopKToGate : OpRewritePattern<SelectionOp> {
  using OpRewritePattern<SelectionOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(SelectionOp op,
                                PatternRewriter &rewriter) const override {
    std::string reason;
    FailureOr<RouterMatch> match = matchRouter(op, reason);
    if (failed(match))
      return rewriter.notifyMatchFailure(op, reason);
    raiseRouter(rewriter, *match);
    return success();
  }
};
} // namespace

void raise::populateRaiseRouterPatterns(RewritePatternSet &patterns) {
  patterns.add<RaiseTopKToGate<tm_tensor::SortOp>,
               RaiseTopKToGate<tm_tensor::TopkOp>>(patterns.getContext());
}
