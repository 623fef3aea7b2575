//===- LinalgMatchers.cpp - read linalg-on-tensors as torch-mlir emits it -===//
//
// Implements the one-generic matchers that --moe-raise-linalg composes.
//
//===----------------------------------------------------------------------===//

#include "LinalgMatchers.h"

#include "moe/Dialect/TMTensor/TMTensor.h"

#include "mlir/IR/Matchers.h"
#include "llvm/ADT/SmallPtrSet.h"

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::raise;

linalg::GenericOp raise::producer(Value v) {
  return v ? v.getDefiningOp<linalg::GenericOp>() : linalg::GenericOp();
}

bool raise::isElementwise(linalg::GenericOp g) {
  return g.getNumDpsInits() == 1 && g.getNumReductionLoops() == 0 &&
         g.getMatchingIndexingMap(g.getDpsInitOperand(0)).isIdentity();
}

bool raise::readsWhole(linalg::GenericOp g, unsigned i) {
  OpOperand *in = g.getDpsInputOperand(i);
  auto inType = dyn_cast<RankedTensorType>(in->get().getType());
  auto outType = cast<RankedTensorType>(g.getResult(0).getType());
  return g.getMatchingIndexingMap(in).isIdentity() && inType &&
         inType.getShape() == outType.getShape();
}

bool raise::readsRowBroadcast(linalg::GenericOp g, unsigned i) {
  if (g.getNumLoops() != 2)
    return false;
  AffineMap map = g.getMatchingIndexingMap(g.getDpsInputOperand(i));
  MLIRContext *ctx = g.getContext();
  AffineExpr d0 = getAffineDimExpr(0, ctx);
  if (map.getNumResults() == 1)
    return map.getResult(0) == d0;
  return map.getNumResults() == 2 && map.getResult(0) == d0 &&
         map.getResult(1) == getAffineConstantExpr(0, ctx);
}

Operation *raise::yieldedOp(linalg::GenericOp g, unsigned i) {
  auto yield = cast<linalg::YieldOp>(g.getBody()->getTerminator());
  if (i >= yield.getNumOperands())
    return nullptr;
  Operation *op = yield.getOperand(i).getDefiningOp();
  return op && op->getBlock() == g.getBody() ? op : nullptr;
}

Value raise::inputOf(linalg::GenericOp g, Value v) {
  auto arg = dyn_cast<BlockArgument>(v);
  if (!arg || arg.getOwner() != g.getBody() ||
      arg.getArgNumber() >= g.getNumDpsInputs())
    return {};
  return g.getDpsInputOperand(arg.getArgNumber())->get();
}

std::optional<double> raise::constantFloat(Value v) {
  // Scalars reach torch-mlir bodies as constants, possibly cast in the body
  // (an aten int alpha: arith.sitofp of an i64 constant).
  if (auto cast = v.getDefiningOp<arith::SIToFPOp>())
    v = cast.getIn();
  if (auto cast = v.getDefiningOp<arith::ExtFOp>())
    v = cast.getIn();
  if (auto cast = v.getDefiningOp<arith::TruncFOp>())
    v = cast.getIn();
  APFloat f(0.0);
  if (matchPattern(v, m_ConstantFloat(&f)))
    return f.convertToDouble();
  APInt i;
  if (matchPattern(v, m_ConstantInt(&i)))
    return static_cast<double>(i.getSExtValue());
  return std::nullopt;
}

Value raise::withoutUnitScale(Value v) {
  if (auto mul = v.getDefiningOp<arith::MulFOp>()) {
    if (constantFloat(mul.getRhs()) == 1.0)
      return mul.getLhs();
    if (constantFloat(mul.getLhs()) == 1.0)
      return mul.getRhs();
  }
  return v;
}

Value raise::throughScalarCasts(Value v) {
  while (true) {
    if (auto ext = v.getDefiningOp<arith::ExtFOp>())
      v = ext.getIn();
    else if (auto trunc = v.getDefiningOp<arith::TruncFOp>())
      v = trunc.getIn();
    else
      return v;
  }
}

Value raise::throughExtF(Value v) {
  if (Value narrow = matchUnary<arith::ExtFOp>(v))
    return narrow;
  return v;
}

Value raise::matchLastDimReduction(Value v, Reduction kind) {
  auto result = dyn_cast_or_null<OpResult>(v);
  linalg::GenericOp g = producer(v);
  if (!g || result.getResultNumber() != 0 || g.getNumDpsInputs() != 1 ||
      g.getNumLoops() < 2 || g.getNumReductionLoops() != 1 ||
      g.getIteratorTypesArray().back() != utils::IteratorType::reduction)
    return {};
  OpOperand *in = g.getDpsInputOperand(0);
  if (!g.getMatchingIndexingMap(in).isIdentity())
    return {};
  // The output map keeps the leading dimensions and drops or zeroes the
  // reduced one.
  AffineMap outMap = g.getMatchingIndexingMap(g.getDpsInitOperand(0));
  MLIRContext *ctx = g.getContext();
  unsigned lead = g.getNumLoops() - 1;
  ArrayRef<AffineExpr> out = outMap.getResults();
  if (out.size() != lead && out.size() != lead + 1)
    return {};
  for (unsigned d = 0; d < lead; ++d)
    if (out[d] != getAffineDimExpr(d, ctx))
      return {};
  if (out.size() == lead + 1 && out[lead] != getAffineConstantExpr(0, ctx))
    return {};
  Operation *op = yieldedOp(g, 0);
  if (!op)
    return {};
  Block *body = g.getBody();
  Value inArg = body->getArgument(0);
  Value accArg = body->getArgument(g.getNumDpsInputs());
  auto isPair = [&](Value a, Value b) {
    return (a == inArg && b == accArg) || (a == accArg && b == inArg);
  };
  switch (kind) {
  case Reduction::Add: {
    auto add = dyn_cast<arith::AddFOp>(op);
    if (!add || !isPair(add.getLhs(), add.getRhs()))
      return {};
    break;
  }
  case Reduction::Max: {
    if (isa<arith::MaximumFOp, arith::MaxNumFOp>(op)) {
      if (!isPair(op->getOperand(0), op->getOperand(1)))
        return {};
      break;
    }
    // aten.max.dim keeps the argmax too: select(cmpf(ogt, in, acc), in, acc).
    auto select = dyn_cast<arith::SelectOp>(op);
    if (!select || !isPair(select.getTrueValue(), select.getFalseValue()))
      return {};
    auto cmp = select.getCondition().getDefiningOp<arith::CmpFOp>();
    if (!cmp || !isPair(cmp.getLhs(), cmp.getRhs()))
      return {};
    arith::CmpFPredicate p = cmp.getPredicate();
    bool inFirst = cmp.getLhs() == inArg;
    bool greater =
        p == arith::CmpFPredicate::OGT || p == arith::CmpFPredicate::OGE ||
        p == arith::CmpFPredicate::UGT || p == arith::CmpFPredicate::UGE;
    bool less =
        p == arith::CmpFPredicate::OLT || p == arith::CmpFPredicate::OLE ||
        p == arith::CmpFPredicate::ULT || p == arith::CmpFPredicate::ULE;
    bool picksInWhenGreater = select.getTrueValue() == inArg;
    if (!((greater && inFirst == picksInWhenGreater) ||
          (less && inFirst != picksInWhenGreater)))
      return {};
    break;
  }
  }
  return in->get();
}

bool raise::isIota(Value v, int64_t dim) {
  linalg::GenericOp g = producer(v);
  if (!g || g.getNumDpsInputs() != 0 || !isElementwise(g))
    return false;
  Operation *op = yieldedOp(g);
  if (auto cast = dyn_cast_or_null<arith::IndexCastOp>(op))
    op = cast.getIn().getDefiningOp();
  auto index = dyn_cast_or_null<linalg::IndexOp>(op);
  return index && static_cast<int64_t>(index.getDim()) == dim;
}

Value raise::matchSoftmax(Value v) {
  // div(e, sum(e)), e = exp(x - max(x)), sums and maxima broadcast per row.
  auto div = wholeOpRowBroadcast<arith::DivFOp>(producer(v));
  if (!div || matchLastDimReduction(div->second, Reduction::Add) != div->first)
    return {};
  Value shifted = matchUnary<math::ExpOp>(div->first);
  auto sub = wholeOpRowBroadcast<arith::SubFOp>(producer(shifted));
  if (!sub)
    return {};
  auto [x, max] = *sub;
  // aten.max.dim reduces into [T] and expands to [T, 1] (keepdim).
  if (auto expand = max.getDefiningOp<tensor::ExpandShapeOp>())
    max = expand.getSrc();
  if (matchLastDimReduction(max, Reduction::Max) != x)
    return {};
  return x;
}

Value raise::matchSigmoid(Value v) {
  linalg::GenericOp g = producer(v);
  if (!g || !isElementwise(g) || g.getNumDpsInputs() != 1 || !readsWhole(g, 0))
    return {};
  auto div = dyn_cast_or_null<arith::DivFOp>(yieldedOp(g));
  if (!div || constantFloat(div.getLhs()) != 1.0)
    return {};
  auto add = div.getRhs().getDefiningOp<arith::AddFOp>();
  if (!add)
    return {};
  Value expValue = add.getLhs();
  if (constantFloat(add.getLhs()) == 1.0)
    expValue = add.getRhs();
  else if (constantFloat(add.getRhs()) != 1.0)
    return {};
  auto exp = withoutUnitScale(expValue).getDefiningOp<math::ExpOp>();
  if (!exp)
    return {};
  auto neg = exp.getOperand().getDefiningOp<arith::NegFOp>();
  if (!neg)
    return {};
  return inputOf(g, neg.getOperand());
}

Value raise::castElements(OpBuilder &b, Location loc, Value v,
                          Type elementType) {
  auto type = cast<RankedTensorType>(v.getType());
  Type from = type.getElementType();
  if (from == elementType)
    return v;
  // A narrowing of a widening gives back the original values exactly.
  for (Value source :
       {matchUnary<arith::ExtSIOp>(v), matchUnary<arith::ExtFOp>(v)})
    if (source && getElementTypeOrSelf(source) == elementType)
      return source;
  auto resultType = type.clone(elementType);
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, v, d));
  Value init =
      tensor::EmptyOp::create(b, loc, resultType, dynamicSizes).getResult();
  AffineMap id = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<utils::IteratorType> parallel(type.getRank(),
                                            utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, resultType, ValueRange{v}, ValueRange{init},
      ArrayRef<AffineMap>{id, id}, parallel,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value in = args[0];
        Value out;
        if (isa<FloatType>(from))
          out =
              from.getIntOrFloatBitWidth() < elementType.getIntOrFloatBitWidth()
                  ? arith::ExtFOp::create(nb, nl, elementType, in).getResult()
                  : arith::TruncFOp::create(nb, nl, elementType, in)
                        .getResult();
        else
          out =
              from.getIntOrFloatBitWidth() < elementType.getIntOrFloatBitWidth()
                  ? arith::ExtSIOp::create(nb, nl, elementType, in).getResult()
                  : arith::TruncIOp::create(nb, nl, elementType, in)
                        .getResult();
        linalg::YieldOp::create(nb, nl, out);
      });
  return generic.getResult(0);
}

/// Whether `map` reads or writes dimension 0 at loop d0.
static bool leadsWithD0(AffineMap map) {
  return map.getNumResults() > 0 &&
         map.getResult(0) == getAffineDimExpr(0, map.getContext());
}

bool raise::isRowCount(Value size, Value tensor) {
  auto type = dyn_cast<RankedTensorType>(tensor.getType());
  if (!type || type.getRank() == 0)
    return false;
  if (!type.isDynamicDim(0))
    return isConstantIntValue(size, type.getDimSize(0));
  auto dim = size.getDefiningOp<tensor::DimOp>();
  Value dimOf =
      dim && isConstantIntValue(dim.getIndex(), 0) ? dim.getSource() : Value();
  SmallVector<Value> worklist = {tensor};
  llvm::SmallPtrSet<Value, 16> seen;
  while (!worklist.empty() && seen.size() < 256) {
    Value v = worklist.pop_back_val();
    if (!seen.insert(v).second)
      continue;
    if (v == dimOf)
      return true;
    Operation *op = v.getDefiningOp();
    if (!op)
      continue;
    if (auto empty = dyn_cast<tensor::EmptyOp>(op)) {
      if (empty.getType().isDynamicDim(0) && empty.getDynamicSize(0) == size)
        return true;
      continue;
    }
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
      auto result = cast<OpResult>(v);
      OpOperand *init = linalgOp.getDpsInitOperand(result.getResultNumber());
      if (!leadsWithD0(linalgOp.getMatchingIndexingMap(init)))
        continue;
      for (OpOperand &operand : op->getOpOperands())
        if (isa<RankedTensorType>(operand.get().getType()) &&
            leadsWithD0(linalgOp.getMatchingIndexingMap(&operand)))
          worklist.push_back(operand.get());
      continue;
    }
    if (auto sort = dyn_cast<tm_tensor::SortOp>(op)) {
      if (sort.getDimension() != 0)
        llvm::append_range(worklist, sort.getOutputs());
      continue;
    }
    if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op)) {
      if (expand.getReassociationIndices()[0].size() == 1)
        worklist.push_back(expand.getSrc());
      continue;
    }
    if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(op)) {
      if (collapse.getReassociationIndices()[0].size() == 1)
        worklist.push_back(collapse.getSrc());
      continue;
    }
    if (auto cast = dyn_cast<tensor::CastOp>(op))
      worklist.push_back(cast.getSource());
  }
  return false;
}

/// Whether the comparator of `sort` orders its first operand descending:
/// `a0 >= b0` or `a0 > b0` (or the same as `b0 <= a0`).
bool raise::sortsDescending(tm_tensor::SortOp sort) {
  Block &block = sort.getRegion().front();
  auto yield = cast<tm_tensor::YieldOp>(block.getTerminator());
  if (yield->getNumOperands() != 1)
    return false;
  auto cmp = yield->getOperand(0).getDefiningOp<arith::CmpFOp>();
  if (!cmp || block.getNumArguments() < 2)
    return false;
  Value a = block.getArgument(0), b = block.getArgument(1);
  using P = arith::CmpFPredicate;
  P p = cmp.getPredicate();
  bool greater = p == P::OGE || p == P::OGT;
  bool less = p == P::OLE || p == P::OLT;
  return (greater && cmp.getLhs() == a && cmp.getRhs() == b) ||
         (less && cmp.getLhs() == b && cmp.getRhs() == a);
}

/// The constant of the 0-d tensor `t`: a splat arith.constant or a
/// linalg.fill of a constant.
static std::optional<double> zeroDConstant(Value t) {
  auto type = t ? dyn_cast<RankedTensorType>(t.getType()) : nullptr;
  if (!type || type.getRank() != 0)
    return std::nullopt;
  if (auto fill = t.getDefiningOp<linalg::FillOp>())
    return constantFloat(fill.getInputs()[0]);
  DenseElementsAttr dense;
  if (matchPattern(t, m_Constant(&dense)) && dense.isSplat()) {
    if (isa<FloatType>(dense.getElementType()))
      return dense.getSplatValue<APFloat>().convertToDouble();
    if (isa<IntegerType>(dense.getElementType()))
      return static_cast<double>(dense.getSplatValue<APInt>().getSExtValue());
  }
  return std::nullopt;
}

std::optional<double> raise::scalarOperand(linalg::GenericOp g, Value v) {
  if (std::optional<double> c = constantFloat(v))
    return c;
  return zeroDConstant(inputOf(g, v));
}

std::optional<double> raise::splatValue(Value v) {
  if (auto fill = v.getDefiningOp<linalg::FillOp>())
    return constantFloat(fill.getInputs()[0]);
  linalg::GenericOp g = producer(v);
  if (!g || !isElementwise(g) || g.getNumDpsInputs() != 1)
    return std::nullopt;
  auto yield = cast<linalg::YieldOp>(g.getBody()->getTerminator());
  if (yield.getOperand(0) != g.getBody()->getArgument(0))
    return std::nullopt;
  return zeroDConstant(g.getDpsInputOperand(0)->get());
}

Value raise::throughReshapes(Value v) {
  while (Operation *op = v.getDefiningOp()) {
    if (auto e = dyn_cast<tensor::ExpandShapeOp>(op))
      v = e.getSrc();
    else if (auto c = dyn_cast<tensor::CollapseShapeOp>(op))
      v = c.getSrc();
    else if (auto c = dyn_cast<tensor::CastOp>(op))
      v = c.getSource();
    else
      break;
  }
  return v;
}

Value raise::throughFloatCasts(Value v) {
  while (true) {
    if (Value w = matchUnary<arith::ExtFOp>(v))
      v = w;
    else if (Value n = matchUnary<arith::TruncFOp>(v))
      v = n;
    else
      return v;
  }
}

int64_t raise::dimOf(Value v, int64_t d) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && d < type.getRank() ? type.getDimSize(d) : -1;
}

int64_t raise::rankOf(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type ? type.getRank() : -1;
}

bool raise::isStatic(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && type.hasStaticShape();
}

std::optional<int64_t>
raise::firstColumnsOfAllRows(tensor::ExtractSliceOp slice) {
  auto sourceType = slice.getSourceType();
  int64_t rank = sourceType.getRank();
  if (rank < 2 || slice.getResultType().getRank() != rank)
    return std::nullopt;
  for (OpFoldResult o : slice.getMixedOffsets())
    if (!isConstantIntValue(o, 0))
      return std::nullopt;
  for (OpFoldResult s : slice.getMixedStrides())
    if (!isConstantIntValue(s, 1))
      return std::nullopt;
  SmallVector<OpFoldResult> sizes = slice.getMixedSizes();
  for (int64_t d = 0; d + 1 < rank; ++d) {
    bool whole = sourceType.isDynamicDim(d)
                     ? d == 0 && isa<Value>(sizes[d]) &&
                           isRowCount(cast<Value>(sizes[d]), slice.getSource())
                     : isConstantIntValue(sizes[d], sourceType.getDimSize(d));
    if (!whole)
      return std::nullopt;
  }
  return getConstantIntValue(sizes[rank - 1]);
}
