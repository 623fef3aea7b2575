//===- LowerQuant.cpp - CPU reference of quantize and dequantize ----------===//
//
// Lowers moe.quantize and moe.dequantize to scalar loops over tensors.
//
//===----------------------------------------------------------------------===//

#include "Lowerings.h"
#include "QuantMath.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::cpu;

namespace {

using NestBody = function_ref<SmallVector<Value>(RefBuilder &, ValueRange ivs,
                                                 ValueRange iters)>;

/// Loops over [lbs[d], ubs[d]) for every d, outermost first, threading
/// `iters`; `body` sees all induction variables.
SmallVector<Value> loopNest(RefBuilder &rb, ArrayRef<Value> lbs,
                            ArrayRef<Value> ubs, ValueRange iters,
                            NestBody body, SmallVector<Value> ivs = {}) {
  if (ivs.size() == lbs.size())
    return body(rb, ivs, iters);
  size_t d = ivs.size();
  return rb.loop(lbs[d], ubs[d], iters,
                 [&](RefBuilder &l, Value iv, ValueRange it) {
                   SmallVector<Value> inner = ivs;
                   inner.push_back(iv);
                   return loopNest(l, lbs, ubs, it, body, inner);
                 });
}

/// The sizes of `tensor` as index values.
SmallVector<Value> sizesOf(RefBuilder &rb, Value tensor) {
  SmallVector<Value> sizes;
  for (int64_t d = 0, e = cast<RankedTensorType>(tensor.getType()).getRank();
       d < e; ++d)
    sizes.push_back(rb.dim(tensor, d));
  return sizes;
}

/// The dynamic sizes of the scales of `input` under `scheme`, in order.
SmallVector<Value> dynamicScaleSizes(RefBuilder &rb, QuantAttr scheme,
                                     Value input, RankedTensorType scaleType) {
  SmallVector<Value> scale = scaleSizes(rb, scheme, sizesOf(rb, input));
  SmallVector<Value> dynamic;
  for (auto [d, size] : llvm::enumerate(scale))
    if (scaleType.isDynamicDim(d))
      dynamic.push_back(size);
  return dynamic;
}

/// The [lo, hi) bounds, in the last two dimensions of the input, of the
/// group of scale index `scaleIvs` (the per-tensor group of a rank-1 input
/// has only columns).
struct GroupBounds {
  SmallVector<Value> lead, lo, hi;
};
GroupBounds groupBounds(RefBuilder &rb, QuantAttr scheme, ArrayRef<Value> sizes,
                        ValueRange scaleIvs) {
  ImplicitLocOpBuilder &b = rb.builder();
  GroupBounds g;
  size_t rank = sizes.size();
  size_t inner = std::min<size_t>(rank, 2);
  g.lead.assign(scaleIvs.begin(), scaleIvs.begin() + (rank - inner));
  Value zero = rb.idx(0), one = rb.idx(1);
  auto span = [&](Value i, int64_t block, Value size) {
    Value lo = rb.muli(i, rb.idx(block));
    g.lo.push_back(lo);
    g.hi.push_back(arith::MinUIOp::create(b, rb.addi(lo, rb.idx(block)), size));
  };
  Value rows = rank >= 2 ? sizes[rank - 2] : Value(), cols = sizes.back();
  switch (scheme.getKind()) {
  case QuantKind::PerTensor:
    if (rows) {
      g.lo.push_back(zero);
      g.hi.push_back(rows);
    }
    g.lo.push_back(zero);
    g.hi.push_back(cols);
    break;
  case QuantKind::PerRow: {
    Value r = scaleIvs[rank - 2];
    g.lo.append({r, zero});
    g.hi.append({rb.addi(r, one), cols});
    break;
  }
  case QuantKind::Block:
    span(scaleIvs[rank - 2], *scheme.getBlockRows(), rows);
    span(scaleIvs[rank - 1], *scheme.getBlockCols(), cols);
    break;
  case QuantKind::Mx: {
    Value r = scaleIvs[rank - 2];
    g.lo.push_back(r);
    g.hi.push_back(rb.addi(r, one));
    span(scaleIvs[rank - 1], QuantAttr::kMxBlock, cols);
    break;
  }
  }
  return g;
}

/// moe.quantize: per scale group, amax then the scale then the values.
struct LowerQuantize : OpConversionPattern<QuantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(QuantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    RefBuilder rb(b);
    Value input = adaptor.getInput();
    QuantAttr scheme = op.getScheme();
    auto valuesType = op.getValues().getType();
    auto scalesType = op.getScales().getType();
    Type valueType = valuesType.getElementType();
    Value values = tensor::EmptyOp::create(b, valuesType.getShape(), valueType,
                                           rb.dynamicSizes(input));
    Value scales = tensor::EmptyOp::create(
        b, scalesType.getShape(), scalesType.getElementType(),
        dynamicScaleSizes(rb, scheme, input, scalesType));
    SmallVector<Value> sizes = sizesOf(rb, input);
    SmallVector<Value> scaleSizes = sizesOf(rb, scales);
    SmallVector<Value> zeros(scaleSizes.size(), rb.idx(0));
    // mx with a dynamic column count: a partial last block is an error.
    Value ok = requireScaleSizes(rb, op, "input", input, scales, scheme);
    if (!scaleSizes.empty())
      scaleSizes[0] = rb.select(ok, scaleSizes[0], rb.idx(0));
    SmallVector<Value> out = loopNest(
        rb, zeros, scaleSizes, {values, scales},
        [&](RefBuilder &l, ValueRange ivs, ValueRange it) {
          GroupBounds g = groupBounds(l, scheme, sizes, ivs);
          auto element = [&](ValueRange inner) {
            SmallVector<Value> idx = g.lead;
            idx.append(inner.begin(), inner.end());
            return idx;
          };
          Value amax =
              loopNest(l, g.lo, g.hi, {l.f32(0.0)},
                       [&](RefBuilder &in, ValueRange e, ValueRange acc) {
                         Value x = in.loadF32(input, element(e));
                         Value mag = math::AbsFOp::create(in.builder(), x);
                         return SmallVector<Value>{arith::MaximumFOp::create(
                             in.builder(), acc[0], mag)};
                       })[0];
          GroupScale scale =
              computeGroupScale(l.builder(), scheme, valueType, amax);
          Value newScales =
              tensor::InsertOp::create(l.builder(), scale.stored, it[1], ivs);
          Value newValues =
              loopNest(l, g.lo, g.hi, {it[0]},
                       [&](RefBuilder &in, ValueRange e, ValueRange v) {
                         Value x = in.loadF32(input, element(e));
                         Value q = quantizeElement(in.builder(), scheme,
                                                   valueType, scale, x);
                         return SmallVector<Value>{tensor::InsertOp::create(
                             in.builder(), q, v[0], element(e))};
                       })[0];
          return SmallVector<Value>{newValues, newScales};
        });
    rewriter.replaceOp(op, out);
    return success();
  }
};

/// moe.dequantize: every element times its group's scale.
struct LowerDequantize : OpConversionPattern<DequantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(DequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    RefBuilder rb(b);
    Value values = adaptor.getValues(), scales = adaptor.getScales();
    auto resultType = op.getResult().getType();
    Value result = tensor::EmptyOp::create(b, resultType.getShape(),
                                           resultType.getElementType(),
                                           rb.dynamicSizes(values));
    SmallVector<Value> sizes = sizesOf(rb, values);
    SmallVector<Value> zeros(sizes.size(), rb.idx(0));
    // A failed size check runs no iteration (and the runtime reports it).
    Value ok =
        requireScaleSizes(rb, op, "values", values, scales, op.getScheme());
    if (!sizes.empty())
      sizes[0] = rb.select(ok, sizes[0], rb.idx(0));
    Value out = loopNest(rb, zeros, sizes, {result},
                         [&](RefBuilder &l, ValueRange ivs, ValueRange it) {
                           Value x = loadDequantized(l, values, scales,
                                                     op.getScheme(), ivs);
                           return SmallVector<Value>{l.store(x, it[0], ivs)};
                         })[0];
    rewriter.replaceOp(op, out);
    return success();
  }
};

} // namespace

void mlir::moe::cpu::populateQuantLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns.add<LowerQuantize, LowerDequantize>(patterns.getContext());
}
