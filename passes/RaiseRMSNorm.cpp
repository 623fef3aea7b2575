//===- RaiseRMSNorm.cpp - Hugging Face's RMSNorm in linalg to moe.rms_norm ===//
//
// Matches RMSNorm as torch-mlir lowers it and rewrites it to moe.rms_norm.
//
//===----------------------------------------------------------------------===//

#include "LinalgMatchers.h"
#include "RaisePatterns.h"

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::raise;

/// The input and the constant `c` when `v` is an elementwise generic
/// computing `OpTy(input, c)` (or `OpTy(c, input)` with `commutes`).
template <typename OpTy>
static Value withConstant(Value v, double &c, bool commutes) {
  linalg::GenericOp g = producer(v);
  if (!g || !isElementwise(g) || g.getNumDpsInputs() < 1 ||
      g.getNumDpsInputs() > 2 || !readsWhole(g, 0))
    return {};
  auto op = dyn_cast_or_null<OpTy>(yieldedOp(g));
  if (!op)
    return {};
  Value lhs = op->getOperand(0), rhs = withoutUnitScale(op->getOperand(1));
  if (std::optional<double> k = scalarOperand(g, rhs);
      k && inputOf(g, lhs) == g.getDpsInputOperand(0)->get()) {
    c = *k;
    return inputOf(g, lhs);
  }
  if (std::optional<double> k = scalarOperand(g, lhs);
      k && commutes && inputOf(g, rhs) == g.getDpsInputOperand(0)->get()) {
    c = *k;
    return inputOf(g, rhs);
  }
  return {};
}

/// The tensor squared when `v` is `x * x`, `powf(x, 2)` or `fpowi(x, 2)`.
static Value matchSquare(Value v) {
  linalg::GenericOp g = producer(v);
  if (!g || !isElementwise(g) || !readsWhole(g, 0) || g.getNumDpsInputs() != 1)
    return {};
  Operation *op = yieldedOp(g);
  if (!op)
    return {};
  if (isa<arith::MulFOp>(op) && op->getOperand(0) == op->getOperand(1))
    return inputOf(g, op->getOperand(0));
  if (isa<math::PowFOp, math::FPowIOp>(op) &&
      constantFloat(op->getOperand(1)) == 2.0)
    return inputOf(g, op->getOperand(0));
  return {};
}

/// The two inputs of the elementwise multiply `v` as (whole, other): the
/// operand read at every index and the other one.
static std::optional<std::pair<Value, unsigned>> mulOf(Value v, Value &whole) {
  linalg::GenericOp g = producer(v);
  auto ins = binaryInputs<arith::MulFOp>(g);
  if (!ins)
    return std::nullopt;
  for (auto [a, b] : {std::make_pair(ins->first, ins->second),
                      std::make_pair(ins->second, ins->first)})
    if (readsWhole(g, a)) {
      whole = g.getDpsInputOperand(a)->get();
      return std::make_pair(g.getDpsInputOperand(b)->get(), b);
    }
  return std::nullopt;
}

/// Whether input `i` of the rank-2 generic `g` is a `[H]` vector read along
/// the last dimension (map `(d0, d1) -> (d1)`).
static bool readsColumnVector(linalg::GenericOp g, unsigned i) {
  AffineMap map = g.getMatchingIndexingMap(g.getDpsInputOperand(i));
  return g.getNumLoops() == 2 && map.getNumResults() == 1 &&
         map.getResult(0) == getAffineDimExpr(1, g.getContext());
}

/// The only user of `v` when it is a linalg.generic, else null.
static linalg::GenericOp onlyGenericUser(Value v) {
  if (!v.hasOneUse())
    return {};
  return dyn_cast<linalg::GenericOp>(*v.getUsers().begin());
}

/// Finds the scaling by the weight after `normed` (x * rsqrt(...), f32):
/// `w * truncf(normed)` (Hugging Face), `truncf(normed * (1 + w))` (Gemma)
/// or `normed * w` (an f32 model). Fills root, weight and offset.
static LogicalResult matchWeightScaling(Value normed, RMSNormMatch &m,
                                        std::string &reason) {
  linalg::GenericOp next = onlyGenericUser(normed);
  if (!next) {
    reason = "the normalized rows have other users than the weight scaling";
    return failure();
  }
  Value scaled = normed;
  if (Value narrow = matchUnary<arith::TruncFOp>(next.getResult(0))) {
    scaled = next.getResult(0);
    next = onlyGenericUser(scaled);
    if (!next) {
      reason = "the normalized rows, rounded, have other users than the "
               "weight scaling";
      return failure();
    }
  }
  Value whole;
  auto other = mulOf(next.getResult(0), whole);
  if (!other || whole != scaled || !readsColumnVector(next, other->second)) {
    reason = "the normalized rows are not multiplied by a [H] weight";
    return failure();
  }
  m.root = next;
  m.weight = other->first;
  // Gemma: (1 + w) in f32, then the product rounded to the input type.
  double one = 0;
  if (Value w = withConstant<arith::AddFOp>(m.weight, one, true);
      w && one == 1.0) {
    m.weight = throughExtF(w);
    m.offset = 1.0;
  }
  if (scaled == normed) {
    if (linalg::GenericOp round = onlyGenericUser(next.getResult(0));
        round && matchUnary<arith::TruncFOp>(round.getResult(0)))
      m.root = round;
  }
  return success();
}

FailureOr<RMSNormMatch> raise::matchRMSNorm(linalg::GenericOp rsqrt,
                                            std::string &reason) {
  RMSNormMatch m;
  Value shifted = matchUnary<math::RsqrtOp>(rsqrt.getResult(0));
  double eps = 0, divisor = 0;
  Value variance = withConstant<arith::AddFOp>(shifted, eps, true);
  if (!variance || !(eps > 0)) {
    reason = "the rsqrt is not of a variance plus a positive constant epsilon";
    return failure();
  }
  Value sum = withConstant<arith::DivFOp>(variance, divisor, false);
  if (!sum) {
    double scale = 0;
    if ((sum = withConstant<arith::MulFOp>(variance, scale, true)) && scale)
      divisor = 1.0 / scale;
  }
  Value squares = sum ? matchLastDimReduction(sum, Reduction::Add) : Value();
  Value x = squares ? matchSquare(squares) : Value();
  if (!x) {
    reason = "the epsilon is not added to a mean of squares over the last "
             "dimension";
    return failure();
  }
  auto type = cast<RankedTensorType>(x.getType());
  if (type.getRank() != 2) {
    reason = "the rows are not a [T, H] tensor";
    return failure();
  }
  if (type.isDynamicDim(1) ||
      std::abs(divisor - static_cast<double>(type.getDimSize(1))) > 0.5) {
    reason = "the sum of squares is not divided by the row length";
    return failure();
  }
  // x * rsqrt(...), the rsqrt broadcast along each row.
  linalg::GenericOp mul = onlyGenericUser(rsqrt.getResult(0));
  Value whole;
  auto other = mul ? mulOf(mul.getResult(0), whole) : std::nullopt;
  if (!other || whole != x || other->first != rsqrt.getResult(0) ||
      !readsRowBroadcast(mul, other->second)) {
    reason = "the rsqrt does not scale the rows it was computed from";
    return failure();
  }
  if (failed(matchWeightScaling(mul.getResult(0), m, reason)))
    return failure();
  m.x = throughExtF(x);
  m.epsilon = eps;
  if (!isa<BFloat16Type, Float16Type, Float32Type>(getElementTypeOrSelf(m.x))) {
    reason = "the rows are not bf16, f16 or f32";
    return failure();
  }
  auto resultType = cast<RankedTensorType>(m.root.getResult(0).getType());
  if (resultType != m.x.getType()) {
    reason = "the result type differs from the input's";
    return failure();
  }
  if (getElementTypeOrSelf(m.weight) != resultType.getElementType()) {
    reason = "the weight's element type differs from the input's";
    return failure();
  }
  return m;
}

RMSNormOp raise::raiseRMSNorm(RewriterBase &rewriter, RMSNormMatch m) {
  rewriter.setInsertionPoint(m.root);
  Location loc = m.root.getLoc();
  auto xType = cast<RankedTensorType>(m.x.getType());
  auto norm =
      RMSNormOp::create(rewriter, loc, xType, m.x, m.weight,
                        rewriter.getF32FloatAttr(static_cast<float>(m.epsilon)),
                        rewriter.getF32FloatAttr(static_cast<float>(m.offset)));
  rewriter.replaceOp(m.root, norm.getResult());
  return norm;
}

std::optional<std::pair<Value, Value>> raise::matchResidualAdd(Value x) {
  // add.Tensor of two tensors of x's type and shape, in that type (its
  // alpha, when not folded, times 1): the residual add before the norm.
  linalg::GenericOp add = producer(x);
  auto ins = binaryInputs<arith::AddFOp>(add);
  if (!ins || !readsWhole(add, ins->first) || !readsWhole(add, ins->second))
    return std::nullopt;
  Value a = add.getDpsInputOperand(ins->first)->get();
  Value b = add.getDpsInputOperand(ins->second)->get();
  auto addOp = cast<arith::AddFOp>(yieldedOp(add));
  if (a.getType() != x.getType() || b.getType() != x.getType() ||
      throughScalarCasts(addOp.getLhs()) != addOp.getLhs() ||
      throughScalarCasts(addOp.getRhs()) != addOp.getRhs())
    return std::nullopt;
  return std::make_pair(a, b);
}

bool raise::isRMSNormCandidate(linalg::GenericOp g) {
  return g.hasPureTensorSemantics() && g.getNumResults() == 1 &&
         isa_and_nonnull<math::RsqrtOp>(yieldedOp(g));
}

namespace {
struct RaiseRMSNormToMoE : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp g,
                                PatternRewriter &rewriter) const override {
    if (!isRMSNormCandidate(g))
      return rewriter.notifyMatchFailure(g, "not a reciprocal square root");
    std::string reason;
    FailureOr<RMSNormMatch> match = matchRMSNorm(g, reason);
    if (failed(match))
      return rewriter.notifyMatchFailure(g, reason);
    raiseRMSNorm(rewriter, *match);
    return success();
  }
};

/// moe.rms_norm of a residual add (Hugging Face's decoder layers:
/// `hidden = residual + hidden; residual = hidden; hidden = norm(hidden)`)
/// -> moe.add_rms_norm, whose second result replaces the add's.
struct FuseResidualAddIntoRMSNorm : OpRewritePattern<RMSNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RMSNormOp norm,
                                PatternRewriter &rewriter) const override {
    std::optional<std::pair<Value, Value>> add = matchResidualAdd(norm.getX());
    if (!add)
      return rewriter.notifyMatchFailure(norm, "the input is not the sum of "
                                               "two tensors of its type");
    Value sum = norm.getX();
    auto fused = AddRMSNormOp::create(rewriter, norm.getLoc(), sum.getType(),
                                      sum.getType(), add->first, add->second,
                                      norm.getWeight(), norm.getEpsilonAttr(),
                                      norm.getOffsetAttr());
    rewriter.replaceAllUsesWith(sum, fused.getResidualOut());
    rewriter.replaceOp(norm, fused.getNormed());
    return success();
  }
};
} // namespace

void raise::populateRaiseRMSNormPatterns(RewritePatternSet &patterns) {
  patterns.add<RaiseRMSNormToMoE, FuseResidualAddIntoRMSNorm>(
      patterns.getContext());
}
