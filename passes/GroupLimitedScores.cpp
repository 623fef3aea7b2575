//===- GroupLimitedScores.cpp - DeepSeek-V3's group-limited router scores -===//
//
// Matches the selection scores of DeepSeek-V3's router in linalg-on-tensors:
// biased sigmoid scores with every expert outside the best groups masked.
//
//===----------------------------------------------------------------------===//
//
// Hugging Face's DeepseekV3TopkRouter (with sorted top-ks, which torch-mlir
// requires):
//
//   s       = sigmoid(logits)                                    [T, E]
//   choice  = s + bias                                           [T, E]
//   gscore  = sum(topk(view(choice, [T, G, E/G]), 2)[0], -1)     [T, G]
//   gidx    = topk(gscore, keep)[1]                              [T, keep]
//   gmask   = zeros([T, G]).scatter(1, gidx, 1)                  [T, G]
//   mask    = view(expand(unsqueeze(gmask, -1), [T, G, E/G]), [T, E])
//   masked  = masked_fill(choice, ~bool(mask), -inf)             [T, E]
//
// which is moe.gate's `sigmoid`, `bias` and `groups G keep keep` selection.
//
//===----------------------------------------------------------------------===//

#include "GroupLimitedScores.h"
#include "LinalgMatchers.h"

#include "mlir/IR/Matchers.h"

#include <cmath>

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::raise;

/// The tensor `m` when `v` is `~bool(m)` in two generics (aten.to(bool)
/// then aten.bitwise_not) or one: `cmpf une m, 0` then `xori` with true.
static Value matchNotNonZero(Value v) {
  linalg::GenericOp notOp = producer(v);
  if (!notOp || !isElementwise(notOp) || notOp.getNumDpsInputs() != 1)
    return {};
  auto xori = dyn_cast_or_null<arith::XOrIOp>(yieldedOp(notOp));
  if (!xori)
    return {};
  APInt one;
  Value operand = xori.getLhs();
  if (matchPattern(xori.getLhs(), m_ConstantInt(&one)))
    operand = xori.getRhs();
  else if (!matchPattern(xori.getRhs(), m_ConstantInt(&one)))
    return {};
  if (!one.isAllOnes())
    return {};
  Value boolMask = inputOf(notOp, operand);
  linalg::GenericOp toBool = producer(boolMask);
  if (!toBool || !isElementwise(toBool) || toBool.getNumDpsInputs() != 1)
    return {};
  auto cmp = dyn_cast_or_null<arith::CmpFOp>(yieldedOp(toBool));
  if (!cmp || cmp.getPredicate() != arith::CmpFPredicate::UNE ||
      constantFloat(cmp.getRhs()) != 0.0)
    return {};
  return inputOf(toBool, cmp.getLhs());
}

/// The `[T, G]` group mask when `v` `[T, E]` is it broadcast over each
/// group's experts: `[T, G, E/G]` reading (d0, d1) (or (d0, d1, 0) of its
/// unsqueezed form), collapsed to `[T, E]`.
static Value matchGroupBroadcast(Value v, int64_t &groups) {
  auto collapse = v.getDefiningOp<tensor::CollapseShapeOp>();
  if (!collapse || collapse.getSrcType().getRank() != 3)
    return {};
  linalg::GenericOp g = producer(collapse.getSrc());
  if (!g || !isElementwise(g) || g.getNumDpsInputs() != 1 ||
      !isa<BlockArgument>(
          cast<linalg::YieldOp>(g.getBody()->getTerminator()).getOperand(0)))
    return {};
  MLIRContext *ctx = g.getContext();
  AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx);
  SmallVector<AffineExpr> r(
      g.getMatchingIndexingMap(g.getDpsInputOperand(0)).getResults());
  Value in = g.getDpsInputOperand(0)->get();
  if (r.size() == 3 && r[0] == d0 && r[1] == d1 &&
      r[2] == getAffineConstantExpr(0, ctx)) {
    auto expand = in.getDefiningOp<tensor::ExpandShapeOp>();
    in = expand ? expand.getSrc() : Value();
  } else if (!(r.size() == 2 && r[0] == d0 && r[1] == d1)) {
    return {};
  }
  groups = collapse.getSrcType().getDimSize(1);
  return in;
}

/// The sort and k when `v` is the slice of the first k columns (along the
/// last dimension) of result `result` of a descending tm_tensor.sort of
/// (scores, iota) along its last dimension.
static tm_tensor::SortOp matchTopKSlice(Value v, unsigned result, int64_t &k) {
  auto slice = v.getDefiningOp<tensor::ExtractSliceOp>();
  if (!slice)
    return {};
  auto sort = slice.getSource().getDefiningOp<tm_tensor::SortOp>();
  if (!sort || sort.getOutputs().size() != 2 ||
      cast<OpResult>(slice.getSource()).getResultNumber() != result)
    return {};
  int64_t rank = slice.getSourceType().getRank();
  if (sort.getDimension() != rank - 1 ||
      !isIota(sort.getOutputs()[1], rank - 1) || !sortsDescending(sort))
    return {};
  std::optional<int64_t> cols = firstColumnsOfAllRows(slice);
  if (!cols)
    return {};
  k = *cols;
  return sort;
}

/// Whether `v` is `lhs * c` for the index constant `c` (either order).
static bool isTimesConstant(Value v, Value lhs, int64_t c) {
  auto mul = v.getDefiningOp<arith::MulIOp>();
  if (!mul)
    return false;
  return (mul.getLhs() == lhs && isConstantIntValue(mul.getRhs(), c)) ||
         (mul.getRhs() == lhs && isConstantIntValue(mul.getLhs(), c));
}

/// The index tensor `idx` (`[T, K]`, static K) when `mask` is
/// `zeros([T, G]).scatter(1, idx, 1)` as torch-mlir lowers it
/// (ConvertAtenScatterOp): one generic over the `T * K` flat positions `i`
/// yields the coordinates `(i / K mod T, idx[i / K mod T, i mod K])` and the
/// update `ones[...]`, two insert_slices make the `[N, 2]` tuples, and a
/// tm_tensor.scatter replaces zeros with them.
static Value matchOnesAtIndices(Value mask) {
  auto scatter = mask.getDefiningOp<tm_tensor::ScatterOp>();
  if (!scatter || scatter.getInputs().size() != 2 ||
      scatter.getOutputs().size() != 1 ||
      scatter.getDimensionMap() != ArrayRef<int64_t>{0, 1} ||
      splatValue(scatter.getOutputs()[0]) != 0.0)
    return {};
  Block &region = scatter.getRegion().front();
  auto yield = cast<tm_tensor::YieldOp>(region.getTerminator());
  if (yield->getNumOperands() != 1 ||
      yield->getOperand(0) != region.getArgument(0))
    return {};
  // The tuples: fill 0 [N, 2], column 0 then column 1 inserted.
  auto col1 = scatter.getInputs()[1].getDefiningOp<tensor::InsertSliceOp>();
  auto col0 = col1 ? col1.getDest().getDefiningOp<tensor::InsertSliceOp>()
                   : tensor::InsertSliceOp();
  if (!col0 || col0.getSourceType().getRank() != 2 ||
      !isConstantIntValue(col0.getMixedOffsets()[1], 0) ||
      !isConstantIntValue(col1.getMixedOffsets()[1], 1) ||
      !isConstantIntValue(col0.getMixedOffsets()[0], 0) ||
      !isConstantIntValue(col1.getMixedOffsets()[0], 0))
    return {};
  // The flattening generic: results (row, id, update).
  auto rows = dyn_cast<OpResult>(col0.getSource());
  auto ids = dyn_cast<OpResult>(col1.getSource());
  auto updates = dyn_cast<OpResult>(scatter.getInputs()[0]);
  linalg::GenericOp flat = rows ? producer(rows) : linalg::GenericOp();
  if (!flat || !ids || !updates || ids.getOwner() != flat ||
      updates.getOwner() != flat || rows.getResultNumber() != 0 ||
      ids.getResultNumber() != 1 || updates.getResultNumber() != 2 ||
      flat.getNumDpsInputs() != 0 || flat.getNumLoops() != 1)
    return {};
  auto yields = cast<linalg::YieldOp>(flat.getBody()->getTerminator());
  auto rowCast = yields.getOperand(0).getDefiningOp<arith::IndexCastOp>();
  auto idExtract = yields.getOperand(1).getDefiningOp<tensor::ExtractOp>();
  auto oneExtract = yields.getOperand(2).getDefiningOp<tensor::ExtractOp>();
  if (!rowCast || !idExtract || !oneExtract ||
      idExtract.getIndices().size() != 2 ||
      oneExtract.getIndices() != idExtract.getIndices() ||
      splatValue(oneExtract.getTensor()) != 1.0)
    return {};
  Value idx = idExtract.getTensor();
  auto idxType = dyn_cast<RankedTensorType>(idx.getType());
  if (!idxType || idxType.getRank() != 2 || idxType.isDynamicDim(1))
    return {};
  int64_t k = idxType.getDimSize(1);
  // r1 = i mod K, r0 = (i / K) mod T (or i / K), the row coordinate r0.
  Value r0 = idExtract.getIndices()[0], r1 = idExtract.getIndices()[1];
  auto rem1 = r1.getDefiningOp<arith::RemSIOp>();
  Value q1 = r0;
  if (auto rem0 = r0.getDefiningOp<arith::RemSIOp>())
    q1 = rem0.getLhs();
  auto div1 = q1.getDefiningOp<arith::DivSIOp>();
  auto index =
      rem1 ? rem1.getLhs().getDefiningOp<linalg::IndexOp>() : linalg::IndexOp();
  if (!rem1 || !div1 || !index || index.getDim() != 0 ||
      div1.getLhs() != rem1.getLhs() || rowCast.getIn() != r0 ||
      !isConstantIntValue(rem1.getRhs(), k) ||
      !isConstantIntValue(div1.getRhs(), k))
    return {};
  // N = T * K flat positions: all of idx.
  auto outType = cast<RankedTensorType>(flat.getResult(2).getType());
  if (outType.isDynamicDim(0)) {
    Operation *init = flat.getDpsInitOperand(2)->get().getDefiningOp();
    auto fill = dyn_cast_or_null<linalg::FillOp>(init);
    auto empty = fill ? fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>()
                      : tensor::EmptyOp();
    auto dim = empty ? empty.getDynamicSize(0).getDefiningOp<arith::MulIOp>()
                     : arith::MulIOp();
    Value rowsOfIdx = dim ? (isConstantIntValue(dim.getRhs(), k) ? dim.getLhs()
                                                                 : dim.getRhs())
                          : Value();
    if (!rowsOfIdx || !isTimesConstant(dim, rowsOfIdx, k) ||
        !isRowCount(rowsOfIdx, idx))
      return {};
  } else if (idxType.isDynamicDim(0) ||
             outType.getDimSize(0) != idxType.getDimSize(0) * k) {
    return {};
  }
  return idx;
}

FailureOr<GroupLimitedScores>
raise::matchGroupLimitedScores(Value masked, std::string &reason) {
  GroupLimitedScores m;
  // masked_fill(choice, ~mask, -inf): select(notMask, -inf, choice).
  linalg::GenericOp fill = producer(masked);
  auto select = fill && isElementwise(fill)
                    ? dyn_cast_or_null<arith::SelectOp>(yieldedOp(fill))
                    : arith::SelectOp();
  std::optional<double> minusInf =
      select ? scalarOperand(fill, select.getTrueValue()) : std::nullopt;
  Value notMask = select ? inputOf(fill, select.getCondition()) : Value();
  Value choice = select ? inputOf(fill, select.getFalseValue()) : Value();
  if (!minusInf || !notMask || !choice) {
    reason = "the sorted scores are not the scores with the experts of a "
             "mask set to a constant (masked_fill)";
    return failure();
  }
  if (!std::isinf(*minusInf) || *minusInf > 0) {
    reason = "the masked experts are set to " + std::to_string(*minusInf) +
             ", not -inf: a selectable expert whose biased score is below "
             "that would rank after them, which moe.gate's groups never do";
    return failure();
  }
  Value groupMask = matchGroupBroadcast(matchNotNonZero(notMask), m.groups);
  if (!groupMask) {
    reason = "the -inf mask is not a [T, G] group mask broadcast over each "
             "group's experts";
    return failure();
  }
  // The mask holds 1 at the top-`keep` groups by gscore.
  Value groupIds = matchOnesAtIndices(groupMask);
  int64_t keep = 0, two = 0;
  tm_tensor::SortOp groupSort =
      groupIds ? matchTopKSlice(groupIds, 1, keep) : tm_tensor::SortOp();
  if (!groupSort) {
    reason = "the group mask is not ones at the top-k groups of zeros "
             "(scatter of 1 at topk(group scores)[1])";
    return failure();
  }
  m.keep = keep;
  // gscore = sum of the top two choice scores of each group.
  Value groupScores = groupSort.getOutputs()[0];
  Value top2 = matchLastDimReduction(groupScores, Reduction::Add);
  tm_tensor::SortOp withinGroup =
      top2 ? matchTopKSlice(top2, 0, two) : tm_tensor::SortOp();
  auto view =
      withinGroup
          ? withinGroup.getOutputs()[0].getDefiningOp<tensor::ExpandShapeOp>()
          : tensor::ExpandShapeOp();
  if (!view || two != 2 || view.getSrc() != choice ||
      view.getResultType().getDimSize(1) != m.groups) {
    reason = "the group scores are not the sum of the two highest scores of "
             "each group of the masked scores";
    return failure();
  }
  // choice = sigmoid(logits) + bias.
  linalg::GenericOp add = producer(choice);
  auto ins = binaryInputs<arith::AddFOp>(add);
  if (!ins) {
    reason = "the selection scores are not scores plus a bias";
    return failure();
  }
  for (auto [s, b] : {*ins, std::make_pair(ins->second, ins->first)}) {
    AffineMap bMap = add.getMatchingIndexingMap(add.getDpsInputOperand(b));
    if (!readsWhole(add, s) || bMap.getNumResults() != 1 ||
        bMap.getResult(0) != getAffineDimExpr(1, add.getContext()))
      continue;
    m.scores = add.getDpsInputOperand(s)->get();
    m.bias = add.getDpsInputOperand(b)->get();
  }
  m.innerSorts = {withinGroup, groupSort};
  m.logits = m.scores ? matchSigmoid(m.scores) : Value();
  if (!m.logits) {
    reason = "the selection scores are not sigmoid(logits) plus an [E] bias";
    return failure();
  }
  return m;
}
