//===- LowerNorms.cpp - CPU reference of the RMSNorm ops ------------------===//
//
// Lowers moe.rms_norm, moe.add_rms_norm and (single-rank) moe.all_reduce_add_rms_norm.
//
//===----------------------------------------------------------------------===//

#include "Lowerings.h"
#include "RefBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::cpu;

/// y = x * rsqrt(mean(x^2) + eps) * (w + offset) over the last dimension:
/// a sum-of-squares reduction into f32 then one elementwise generic.
static Value emitRMSNorm(RefBuilder &rb, Value x, Value weight, float eps,
                         float offset) {
  ImplicitLocOpBuilder &b = rb.builder();
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  MLIRContext *ctx = b.getContext();
  AffineMap full = b.getMultiDimIdentityMap(rank);
  AffineMap rows = full.dropResult(rank - 1);
  AffineMap last = AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, ctx));
  SmallVector<Value> rowDyn;
  for (int64_t d = 0; d + 1 < rank; ++d)
    if (type.isDynamicDim(d))
      rowDyn.push_back(rb.dim(x, d));
  auto rowType = RankedTensorType::get(type.getShape().drop_back(),
                                       b.getF32Type());
  Value sumSq = rb.filled(rowType, rowDyn, rb.f32(0.0));
  SmallVector<utils::IteratorType> reduce(rank, utils::IteratorType::parallel);
  reduce.back() = utils::IteratorType::reduction;
  sumSq = linalg::GenericOp::create(
              b, TypeRange{rowType}, ValueRange{x}, ValueRange{sumSq},
              SmallVector<AffineMap>{full, rows}, reduce,
              [&](OpBuilder &nb, Location loc, ValueRange args) {
                ImplicitLocOpBuilder ib(loc, nb);
                RefBuilder l(ib);
                Value v = l.widen(args[0]);
                linalg::YieldOp::create(ib, l.add(args[1], l.mul(v, v)));
              })
              .getResult(0);
  Value hidden = rb.indexToF32(rb.dim(x, rank - 1));
  Value init = tensor::EmptyOp::create(b, type.getShape(), type.getElementType(),
                                       rb.dynamicSizes(x));
  SmallVector<utils::IteratorType> parallel(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, TypeRange{type}, ValueRange{x, sumSq, weight}, ValueRange{init},
             SmallVector<AffineMap>{full, rows, last, full}, parallel,
             [&](OpBuilder &nb, Location loc, ValueRange args) {
               ImplicitLocOpBuilder ib(loc, nb);
               RefBuilder l(ib);
               Value inv = math::RsqrtOp::create(
                   ib, l.add(l.div(args[1], hidden), l.f32(eps)));
               Value w = l.add(l.widen(args[2]), l.f32(offset));
               Value y = l.mul(l.mul(l.widen(args[0]), inv), w);
               linalg::YieldOp::create(ib, l.toElement(y, type.getElementType()));
             })
      .getResult(0);
}

/// x + residual rounded to the element type, as a linalg.generic.
static Value emitAdd(RefBuilder &rb, Value x, Value residual) {
  ImplicitLocOpBuilder &b = rb.builder();
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  Value init = tensor::EmptyOp::create(b, type.getShape(), type.getElementType(),
                                       rb.dynamicSizes(x));
  SmallVector<AffineMap> maps(3, b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> parallel(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, TypeRange{type}, ValueRange{x, residual}, ValueRange{init},
             maps, parallel,
             [&](OpBuilder &nb, Location loc, ValueRange args) {
               ImplicitLocOpBuilder ib(loc, nb);
               RefBuilder l(ib);
               Value s = l.add(l.widen(args[0]), l.widen(args[1]));
               linalg::YieldOp::create(ib, l.toElement(s, type.getElementType()));
             })
      .getResult(0);
}

/// The weight of a norm over `x` must have the size of x's last dimension.
static Value checkWeight(RefBuilder &rb, Operation *op, Value x, Value weight) {
  int64_t last = cast<RankedTensorType>(x.getType()).getRank() - 1;
  return rb.requireEqual(op, rb.dim(weight, 0), rb.dim(x, last),
                         "dim 0 of 'weight' must equal the last dim of 'x' (H)");
}

namespace {

struct LowerRMSNorm : OpConversionPattern<RMSNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(RMSNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    RefBuilder rb(b);
    Value x = adaptor.getX(), weight = adaptor.getWeight();
    Value ok = checkWeight(rb, op, x, weight);
    // A failed size check returns x unchanged (the runtime reports it).
    rewriter.replaceOp(
        op, rb.ifThen(ok, x, [&](RefBuilder &) -> SmallVector<Value> {
          return {emitRMSNorm(rb, x, weight, op.getEpsilon().convertToFloat(),
                              op.getOffset().convertToFloat())};
        }));
    return success();
  }
};

/// Both add_rms_norm and, for a group of one rank, all_reduce_add_rms_norm.
template <typename OpTy>
struct LowerAddRMSNorm : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if constexpr (std::is_same_v<OpTy, AllReduceAddRMSNormOp>) {
      if (!isSingleRankGroup(op, op.getGroup()))
        return rewriter.notifyMatchFailure(op, "group of more than one rank");
    }
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    RefBuilder rb(b);
    Value x = adaptor.getX(), residual = adaptor.getResidual();
    SmallVector<Value> checks{checkWeight(rb, op, x, adaptor.getWeight())};
    auto type = cast<RankedTensorType>(x.getType());
    for (int64_t d = 0; d < type.getRank(); ++d)
      checks.push_back(rb.requireEqual(
          op, rb.dim(residual, d), rb.dim(x, d),
          "dim " + std::to_string(d) + " of 'residual' must equal dim " +
              std::to_string(d) + " of 'x'"));
    SmallVector<Value> results = rb.ifThen(
        rb.all(checks), ValueRange{x, x},
        [&](RefBuilder &) -> SmallVector<Value> {
          Value sum = emitAdd(rb, x, residual);
          Value normed = emitRMSNorm(rb, sum, adaptor.getWeight(),
                                     op.getEpsilon().convertToFloat(),
                                     op.getOffset().convertToFloat());
          return {normed, sum};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void mlir::moe::cpu::populateNormLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerRMSNorm, LowerAddRMSNorm<AddRMSNormOp>,
               LowerAddRMSNorm<AllReduceAddRMSNormOp>>(patterns.getContext());
}
