//===- LowerExperts.cpp - CPU reference of the expert computation ---------===//
//
// Lowers moe.experts, moe.grouped_matmul, moe.activation and moe.combine to loops.
//
//===----------------------------------------------------------------------===//

#include "Lowerings.h"
#include "QuantMath.h"
#include "RefBuilder.h"

#include "moe/Conversion/SizeChecks.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::cpu;

using arith::CmpIPredicate;

namespace {

/// True when 0 <= v < bound (index values).
Value inRange(RefBuilder &rb, Value v, Value bound) {
  return rb.andi(rb.cmpi(CmpIPredicate::sge, v, rb.idx(0)),
                 rb.cmpi(CmpIPredicate::slt, v, bound));
}

/// Rounds an f32 tensor to the element type of `type` (a copy when needed).
Value roundTensor(RefBuilder &rb, Value f32Tensor, RankedTensorType type) {
  if (type.getElementType().isF32())
    return f32Tensor;
  ImplicitLocOpBuilder &b = rb.builder();
  Value init = tensor::EmptyOp::create(b, type.getShape(), type.getElementType(),
                                       rb.dynamicSizes(f32Tensor));
  int64_t rank = type.getRank();
  SmallVector<AffineMap> maps(2, b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, TypeRange{type}, ValueRange{f32Tensor}, ValueRange{init}, maps,
             iters,
             [&](OpBuilder &nb, Location loc, ValueRange args) {
               Value v = arith::TruncFOp::create(nb, loc, type.getElementType(),
                                                 args[0]);
               linalg::YieldOp::create(nb, loc, v);
             })
      .getResult(0);
}

/// An f32 twin of `type` with the dynamic sizes of `like`.
Value zerosF32(RefBuilder &rb, RankedTensorType type, ValueRange dynSizes) {
  auto f32Type = RankedTensorType::get(type.getShape(),
                                       rb.builder().getF32Type());
  return rb.filled(f32Type, dynSizes, rb.f32(0.0));
}

/// A GEMM operand as the GEMMs read it: elements widened to f32, times
/// their scales when the operand is quantized.
struct ScaledOperand {
  Value values, scales;
  QuantAttr scheme;

  Value load(RefBuilder &rb, ValueRange indices) const {
    if (!scales)
      return rb.loadF32(values, indices);
    return loadDequantized(rb, values, scales, scheme, indices);
  }
};

/// sum_i a[aPrefix..., i] * w[wPrefix..., i] over i in [0, len) in f32.
Value emitScaledDot(RefBuilder &rb, const ScaledOperand &a, ValueRange aPrefix,
                    const ScaledOperand &w, ValueRange wPrefix, Value len) {
  if (!a.scales && !w.scales)
    return emitDot(rb, a.values, aPrefix, w.values, wPrefix, len);
  return rb.loop(
      rb.idx(0), len, rb.f32(0.0),
      [&](RefBuilder &in, Value i, ValueRange acc) -> SmallVector<Value> {
        SmallVector<Value> ai(aPrefix), wi(wPrefix);
        ai.push_back(i);
        wi.push_back(i);
        auto fm =
            arith::FastMathFlags::reassoc | arith::FastMathFlags::contract;
        Value prod = arith::MulFOp::create(in.builder(), a.load(in, ai),
                                           w.load(in, wi), fm);
        return {arith::AddFOp::create(in.builder(), acc[0], prod, fm)};
      })[0];
}

/// moe.experts: y[t] = sum_j w[t,j] * (W2[e] act(W1[e] x[t] + b1[e]) + b2[e])
/// in f32 (the biases when given); with
/// quantized weights W is dequantized as it is read, and with act_quant
/// each GEMM's A row is quantized and dequantized first.
struct LowerExperts : OpConversionPattern<ExpertsOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ExpertsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    RefBuilder rb(b);
    Value x = adaptor.getX(), w1 = adaptor.getW1(), w2 = adaptor.getW2();
    Value weights = adaptor.getWeights(), ids = adaptor.getIds();
    Value b1 = adaptor.getW1Bias(), b2 = adaptor.getW2Bias();
    ActivationAttr act = op.getActivation();
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    Value zero = rb.idx(0);
    Value tokens = rb.dim(x, 0), hidden = rb.dim(x, 1);
    Value experts = rb.dim(w1, 0), topK = rb.dim(ids, 1);
    Value inter = b.createOrFold<arith::DivUIOp>(rb.dim(w1, 1), rb.idx(2));
    Operation *raw = op;
    SmallVector<Value> checks;
    for (const OperandSizeRelation &relation : op.getOperandSizeRelations()) {
      auto [found, expected] =
          materializeSizeRelation(b, adaptor.getOperands(), relation);
      checks.push_back(rb.requireEqual(raw, found, expected, relation.what));
    }
    if (op.hasQuantizedWeights()) {
      checks.push_back(requireScaleSizes(
          rb, raw, "w1", w1, adaptor.getW1Scales(), op.getWeightQuantAttr()));
      checks.push_back(requireScaleSizes(
          rb, raw, "w2", w2, adaptor.getW2Scales(), op.getWeightQuantAttr()));
    }
    if (QuantAttr act = op.getActQuantAttr();
        act && act.getKind() == QuantKind::Mx) {
      // A row's mx groups need H and I to be multiples of 32.
      for (auto [size, what] :
           {std::pair<Value, StringRef>{rb.dim(x, 1), "H (dim 1 of 'x')"},
            std::pair<Value, StringRef>{rb.dim(w2, 2), "I (dim 2 of 'w2')"}})
        checks.push_back(rb.requireEqual(
            raw, arith::RemUIOp::create(b, size, rb.idx(QuantAttr::kMxBlock)),
            rb.idx(0),
            ("the remainder of " + what +
             " by 32 (the mx block of the activations)")
                .str()));
    }
    Value ok = rb.all(checks);
    int64_t staticExperts =
        cast<ShapedType>(op.getW1().getType()).getDimSize(0);
    rb.requireRouteIdsIn(raw, ids, experts,
                         ShapedType::isDynamic(staticExperts)
                             ? std::string("route ids outside [0, E)")
                             : describeRouteIdRange(staticExperts));
    // The result has x's sizes; the verifier allows either side static.
    SmallVector<Value> accDyn;
    if (resultType.isDynamicDim(0))
      accDyn.push_back(tokens);
    if (resultType.isDynamicDim(1))
      accDyn.push_back(hidden);
    Value acc = zerosF32(rb, resultType, accDyn);
    ok = rb.all({ok,
                 rb.requireEqual(raw, rb.sizeOf(resultType, 0, tokens), tokens,
                                 "dim 0 of the result must equal dim 0 of 'x'"),
                 rb.requireEqual(raw, rb.sizeOf(resultType, 1, hidden), hidden,
                                 "dim 1 of the result must equal dim 1 of 'x'")});
    auto vecType = RankedTensorType::get({ShapedType::kDynamic}, b.getF32Type());
    Value hiddenAct = rb.filled(vecType, inter, rb.f32(0.0));
    QuantAttr weightQuant = op.getWeightQuantAttr();
    ScaledOperand gemm1{w1, adaptor.getW1Scales(), weightQuant};
    ScaledOperand gemm2{w2, adaptor.getW2Scales(), weightQuant};
    QuantAttr actQuant = op.getActQuantAttr();
    Type actType = actQuant ? op.getActTypeAttr().getValue() : Type();
    Type xElement = op.getX().getType().getElementType();

    // A failed size check runs no iteration (and the runtime reports it).
    SmallVector<Value> out = rb.loop(
        zero, rb.select(ok, tokens, zero), {acc, hiddenAct},
        [&](RefBuilder &lt, Value t, ValueRange it) -> SmallVector<Value> {
          // GEMM1 reads x[t], or its quantized and dequantized row.
          Value a1 = x;
          SmallVector<Value> a1Prefix = {t};
          if (actQuant) {
            a1 = fakeQuantizeRow(
                lt, hidden,
                [&](RefBuilder &r, Value i) { return r.loadF32(x, {t, i}); },
                actQuant, actType);
            a1Prefix.clear();
          }
          return lt.loop(
              zero, topK, it,
              [&](RefBuilder &lj, Value j, ValueRange jt) -> SmallVector<Value> {
                Value e = lj.i32ToIndex(lj.load(ids, {t, j}));
                // Ids outside [0, E) select no expert (and are reported).
                return lj.ifThen(
                    inRange(lj, e, experts), jt,
                    [&](RefBuilder &in) -> SmallVector<Value> {
                      Value a = in.loop(
                          zero, inter, jt[1],
                          [&](RefBuilder &l, Value n, ValueRange h)
                              -> SmallVector<Value> {
                            auto [gc, uc] =
                                gateUpColumns(l, act.getLayout(), n, inter);
                            auto linear = [&](Value col) {
                              Value v = emitScaledDot(l, {a1, {}, {}}, a1Prefix,
                                                      gemm1, {e, col}, hidden);
                              return b1 ? l.add(v, l.loadF32(b1, {e, col})) : v;
                            };
                            Value g = linear(gc), u = linear(uc);
                            return {l.store(emitGatedActivation(l, act, g, u),
                                            h[0], n)};
                          })[0];
                      // GEMM2 reads the activation row; with act_quant
                      // rounded to x's type, quantized and dequantized.
                      Value a2 = a;
                      if (actQuant)
                        a2 = fakeQuantizeRow(
                            in, inter,
                            [&](RefBuilder &r, Value i) {
                              return r.widen(
                                  r.toElement(r.loadF32(a, {i}), xElement));
                            },
                            actQuant, actType);
                      Value wt = in.loadF32(weights, {t, j});
                      Value y = in.loop(
                          zero, hidden, jt[0],
                          [&](RefBuilder &l, Value hcol,
                              ValueRange yv) -> SmallVector<Value> {
                            Value d = emitScaledDot(l, {a2, {}, {}}, {}, gemm2,
                                                    {e, hcol}, inter);
                            if (b2)
                              d = l.add(d, l.loadF32(b2, {e, hcol}));
                            Value cur = l.load(yv[0], {t, hcol});
                            return {l.store(l.add(cur, l.mul(wt, d)), yv[0],
                                            {t, hcol})};
                          })[0];
                      return {y, a};
                    });
              });
        });
    rewriter.replaceOp(op, roundTensor(rb, out[0], resultType));
    return success();
  }
};

/// moe.grouped_matmul: for each valid block and each non-sentinel route in
/// it, out[r] = epilogue(A[row(r)] * W[e]^T + bias[e]); in route order for each
/// route whose id is an expert. Quantized A and W are dequantized as they are
/// read; with out_quant each computed row is rounded to the 'from' type and
/// quantized as moe.quantize does (the same QuantMath code).
struct LowerGroupedMatmul : OpConversionPattern<GroupedMatmulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(GroupedMatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    RefBuilder rb(b);
    Value a = adaptor.getA(), w = adaptor.getW();
    ScaledOperand aOperand{a, adaptor.getAScales(), op.getAQuantAttr()};
    ScaledOperand wOperand{w, adaptor.getWScales(), op.getWQuantAttr()};
    Value sorted = adaptor.getSortedRouteIds();
    Value blocks = adaptor.getBlockExpertIds();
    Value weights = adaptor.getWeights(), bias = adaptor.getBias();
    ActivationAttr act = op.getActivationAttr();
    QuantAttr outQuant = op.getOutQuantAttr();
    Type epilogueType = op.getEpilogueType();
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    int64_t blockM = op.getBlockMAttr().getInt();
    Value zero = rb.idx(0), bm = rb.idx(blockM);
    Value topK = rb.idx(op.getTopKAttr().getInt());
    Value rowsOfA = rb.dim(a, 0), depth = rb.dim(a, 1);
    Value experts = rb.dim(w, 0), cols = rb.dim(w, 1);
    bool tokenRows = op.getRows() == RowSource::Tokens;
    Value routes = tokenRows ? rb.muli(rowsOfA, topK) : rowsOfA;
    Value outCols =
        act ? arith::DivUIOp::create(b, cols, rb.idx(2)).getResult() : cols;
    // sum_routes: out[t] sums the token's routes in f32, rounded at the end.
    bool sum = op.getSumRoutes();
    Value outRows =
        sum ? arith::DivUIOp::create(b, routes, topK).getResult() : routes;
    SmallVector<Value> outDyn;
    if (resultType.isDynamicDim(0))
      outDyn.push_back(outRows);
    if (resultType.isDynamicDim(1))
      outDyn.push_back(outCols);
    SmallVector<Value> outs;
    if (sum) {
      outs.push_back(zerosF32(rb, resultType, outDyn));
    } else if (outQuant) {
      // Rows no block computes hold a quantized zero row: zero codes and
      // the scale of an all-zero group.
      Type valueType = resultType.getElementType();
      Value zeroCode = arith::TruncFOp::create(b, valueType, rb.f32(0.0));
      outs.push_back(rb.filled(resultType, outDyn, zeroCode));
      auto scalesType = cast<RankedTensorType>(op.getResultScales().getType());
      SmallVector<Value> scaleSizes =
          cpu::scaleSizes(rb, outQuant, {outRows, outCols});
      SmallVector<Value> scaleDyn;
      for (auto [d, size] : llvm::enumerate(scaleSizes))
        if (scalesType.isDynamicDim(d))
          scaleDyn.push_back(size);
      Value zeroScale =
          computeGroupScale(rb.builder(), outQuant, valueType, rb.f32(0.0))
              .stored;
      outs.push_back(rb.filled(scalesType, scaleDyn, zeroScale));
    } else {
      outs.push_back(
          rb.filled(resultType, outDyn,
                    arith::ConstantOp::create(
                        b, b.getZeroAttr(resultType.getElementType()))));
    }
    Operation *raw = op;
    Value ids = adaptor.getRouteIds();
    Value numBlocks;
    if (ids) {
      // Route order: block r is route r (block_m 1).
      int64_t staticExperts =
          cast<ShapedType>(op.getW().getType()).getDimSize(0);
      rb.requireRouteIdsIn(raw, ids, experts,
                           ShapedType::isDynamic(staticExperts)
                               ? std::string("route ids outside [0, E)")
                               : describeRouteIdRange(staticExperts));
      numBlocks = arith::MinUIOp::create(
          b, routes, rb.muli(rb.dim(ids, 0), rb.dim(ids, 1)));
    } else {
      // Blocks below padded_count / block_m, clamped to the buffers given.
      Value count = rb.i32ToIndex(rb.load(adaptor.getPaddedCount(), {}));
      numBlocks = arith::MinUIOp::create(
          b,
          arith::DivUIOp::create(b, arith::MaxSIOp::create(b, count, zero), bm),
          rb.dim(blocks, 0));
      numBlocks = arith::MinUIOp::create(
          b, numBlocks, arith::DivUIOp::create(b, rb.dim(sorted, 0), bm));
    }
    SmallVector<Value> checks{rb.requireEqual(
        raw, rb.dim(w, 2), depth, "dim 2 of 'w' must equal dim 1 of 'a' (K)")};
    if (aOperand.scales)
      checks.push_back(
          requireScaleSizes(rb, raw, "a", a, aOperand.scales, aOperand.scheme));
    if (wOperand.scales)
      checks.push_back(
          requireScaleSizes(rb, raw, "w", w, wOperand.scales, wOperand.scheme));
    if (outQuant && outQuant.getKind() == QuantKind::Mx)
      checks.push_back(rb.requireEqual(
          raw, arith::RemUIOp::create(b, outCols, rb.idx(QuantAttr::kMxBlock)),
          zero,
          "the remainder of the result width by 32 (the mx block of "
          "out_quant)"));
    if (ids) {
      checks.push_back(rb.requireEqual(raw, rb.dim(ids, 1), topK,
                                       "dim 1 of 'route_ids' must equal "
                                       "top_k"));
      checks.push_back(rb.requireEqual(
          raw, rb.muli(rb.dim(ids, 0), topK), routes,
          "dim 0 of 'route_ids' times top_k must equal the route count"));
    }
    if (weights) {
      checks.push_back(rb.requireEqual(
          raw, rb.muli(rb.dim(weights, 0), topK), routes,
          "dim 0 of 'weights' times top_k must equal the route count"));
      checks.push_back(rb.requireEqual(raw, rb.dim(weights, 1), topK,
                                       "dim 1 of 'weights' must equal top_k"));
    }
    if (bias) {
      checks.push_back(rb.requireEqual(raw, rb.dim(bias, 0), experts,
                                       "dim 0 of 'bias' must equal dim 0 of "
                                       "'w' (E)"));
      checks.push_back(rb.requireEqual(raw, rb.dim(bias, 1), cols,
                                       "dim 1 of 'bias' must equal dim 1 of "
                                       "'w' (N)"));
    }
    checks.push_back(rb.requireEqual(
        raw, rb.sizeOf(resultType, 0, outRows), outRows,
        sum ? "dim 0 of the result must equal the token count (T)"
            : "dim 0 of the result must equal the route count (T * k)"));
    checks.push_back(rb.requireEqual(raw, rb.sizeOf(resultType, 1, outCols),
                                     outCols,
                                     "dim 1 of the result must equal the "
                                     "output width of 'w'"));
    numBlocks = rb.select(rb.all(checks), numBlocks, zero);

    // The epilogue value of column n of route r (from A's row `row`), f32.
    auto columnValue = [&](RefBuilder &l, Value e, Value row, Value scale,
                           Value n) {
      auto epilogue = [&](Value v) { return scale ? l.mul(v, scale) : v; };
      auto dot = [&](Value col) {
        Value v = emitScaledDot(l, aOperand, row, wOperand, {e, col}, depth);
        return bias ? l.add(v, l.loadF32(bias, {e, col})) : v;
      };
      if (!act)
        return epilogue(dot(n));
      auto [gc, uc] = gateUpColumns(l, act.getLayout(), n, outCols);
      return emitGatedActivation(l, act, epilogue(dot(gc)), epilogue(dot(uc)));
    };

    // Writes route r's row into the results.
    auto storeRoute = [&](RefBuilder &in, Value e, Value r,
                          ValueRange o) -> SmallVector<Value> {
      Value row =
          tokenRows ? arith::DivUIOp::create(in.builder(), r, topK).getResult()
                    : r;
      Value scale;
      if (weights)
        scale = in.loadF32(weights,
                           {arith::DivUIOp::create(in.builder(), r, topK),
                            arith::RemUIOp::create(in.builder(), r, topK)});
      if (outQuant) {
        // The row in the 'from' type (widened back to f32), then quantized.
        auto rowType = RankedTensorType::get({ShapedType::kDynamic},
                                             in.builder().getF32Type());
        Value values = in.loop(
            zero, outCols, in.filled(rowType, outCols, in.f32(0.0)),
            [&](RefBuilder &l, Value n, ValueRange v) -> SmallVector<Value> {
              Value x = l.widen(
                  l.toElement(columnValue(l, e, row, scale, n), epilogueType));
              return {l.store(x, v[0], n)};
            })[0];
        return quantizeRowInto(
            in, outCols,
            [&](RefBuilder &l, Value i) { return l.load(values, i); }, outQuant,
            o[0], o[1], r);
      }
      return in.loop(
          zero, outCols, o,
          [&](RefBuilder &l, Value n, ValueRange it) -> SmallVector<Value> {
            Value v = columnValue(l, e, row, scale, n);
            if (!sum)
              return {l.store(v, it[0], {r, n})};
            Value t = arith::DivUIOp::create(l.builder(), r, topK);
            Value cur = l.load(it[0], {t, n});
            return {l.store(l.add(cur, v), it[0], {t, n})};
          });
    };

    SmallVector<Value> results = rb.loop(
        zero, numBlocks, outs,
        [&](RefBuilder &lb, Value blk, ValueRange it) -> SmallVector<Value> {
          Value e =
              ids ? lb.i32ToIndex(lb.load(
                        ids, {arith::DivUIOp::create(lb.builder(), blk, topK),
                              arith::RemUIOp::create(lb.builder(), blk, topK)}))
                  : lb.i32ToIndex(lb.load(blocks, blk));
          return lb.ifThen(
              inRange(lb, e, experts), it,
              [&](RefBuilder &be) -> SmallVector<Value> {
                return be.loop(
                    zero, bm, it,
                    [&](RefBuilder &li, Value i,
                        ValueRange rt) -> SmallVector<Value> {
                      Value r =
                          ids ? blk
                              : li.i32ToIndex(li.load(
                                    sorted, li.addi(li.muli(blk, bm), i)));
                      return li.ifThen(inRange(li, r, routes), rt,
                                       [&](RefBuilder &in) {
                                         return storeRoute(in, e, r, rt);
                                       });
                    });
              });
        });
    if (sum)
      results[0] = roundTensor(rb, results[0], resultType);
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// moe.activation: one linalg.generic over the result that reads the gate
/// and up columns of each output column.
struct LowerActivation : OpConversionPattern<ActivationOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ActivationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    RefBuilder rb(b);
    Value input = adaptor.getInput();
    ActivationAttr act = op.getKind();
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    int64_t rank = resultType.getRank();
    Value inter = arith::DivUIOp::create(b, rb.dim(input, rank - 1), rb.idx(2));
    SmallVector<Value> dyn;
    for (int64_t d = 0; d < rank; ++d)
      if (resultType.isDynamicDim(d))
        dyn.push_back(d == rank - 1 ? inter : rb.dim(input, d));
    Value init = tensor::EmptyOp::create(b, resultType.getShape(),
                                         resultType.getElementType(), dyn);
    SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank)};
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    Value result =
        linalg::GenericOp::create(
            b, TypeRange{resultType}, ValueRange{}, ValueRange{init}, maps,
            iters,
            [&](OpBuilder &nb, Location loc, ValueRange) {
              ImplicitLocOpBuilder ib(loc, nb);
              RefBuilder l(ib);
              SmallVector<Value> index;
              for (int64_t d = 0; d < rank; ++d)
                index.push_back(linalg::IndexOp::create(ib, d));
              auto [gc, uc] =
                  gateUpColumns(l, act.getLayout(), index.back(), inter);
              SmallVector<Value> gi(index), ui(index);
              gi.back() = gc;
              ui.back() = uc;
              Value v = emitGatedActivation(l, act, l.loadF32(input, gi),
                                            l.loadF32(input, ui));
              linalg::YieldOp::create(
                  ib, l.toElement(v, resultType.getElementType()));
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// moe.combine: y[t, h] = sum_j scale[t, j] * routes[t * k + j, h] as a
/// linalg.generic reduction over j, accumulated in f32; with ids, only the
/// routes whose expert is local add (the others' rows are not used).
struct LowerCombine : OpConversionPattern<CombineOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(CombineOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    RefBuilder rb(b);
    Value routes = adaptor.getRoutes(), scale = adaptor.getScale();
    Value ids = adaptor.getIds();
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    Value tokens = rb.dim(scale, 0), topK = rb.dim(scale, 1);
    Value hiddenSize = rb.dim(routes, 1);
    SmallVector<Value> dyn;
    if (resultType.isDynamicDim(0))
      dyn.push_back(tokens);
    if (resultType.isDynamicDim(1))
      dyn.push_back(hiddenSize);
    Value acc = zerosF32(rb, resultType, dyn);
    Operation *raw = op;
    SmallVector<Value> checks{
        rb.requireEqual(raw, rb.dim(routes, 0), rb.muli(tokens, topK),
                        "dim 0 of 'routes' must equal dim 0 times dim 1 of "
                        "'scale' (T * k)"),
        rb.requireEqual(raw, rb.sizeOf(resultType, 0, tokens), tokens,
                        "dim 0 of the result must equal dim 0 of 'scale'"),
        rb.requireEqual(raw, rb.sizeOf(resultType, 1, hiddenSize), hiddenSize,
                        "dim 1 of the result must equal dim 1 of 'routes'")};
    Value begin, end;
    if (ids) {
      checks.push_back(rb.requireEqual(raw, rb.dim(ids, 0), tokens,
                                       "dim 0 of 'ids' must equal dim 0 of "
                                       "'scale' (T)"));
      begin = adaptor.getExpertBegin() ? adaptor.getExpertBegin()
                                       : arith::ConstantIndexOp::create(b, 0);
      end = rb.addi(begin,
                    arith::ConstantIndexOp::create(b, *op.getNumExperts()));
    }
    Value ok = rb.all(checks);
    MLIRContext *ctx = b.getContext();
    AffineExpr t = getAffineDimExpr(0, ctx), h = getAffineDimExpr(1, ctx),
               j = getAffineDimExpr(2, ctx);
    SmallVector<AffineMap> maps{AffineMap::get(3, 0, {t, j}, ctx),
                                AffineMap::get(3, 0, {t, h}, ctx)};
    SmallVector<utils::IteratorType> iters{utils::IteratorType::parallel,
                                           utils::IteratorType::parallel,
                                           utils::IteratorType::reduction};
    Value sum = rb.ifThen(ok, acc, [&](RefBuilder &) -> SmallVector<Value> {
      return {linalg::GenericOp::create(
            b, TypeRange{acc.getType()}, ValueRange{scale}, ValueRange{acc},
            maps, iters,
            [&](OpBuilder &nb, Location loc, ValueRange args) {
              ImplicitLocOpBuilder ib(loc, nb);
              RefBuilder l(ib);
              Value ti = linalg::IndexOp::create(ib, 0);
              Value hi = linalg::IndexOp::create(ib, 1);
              Value ji = linalg::IndexOp::create(ib, 2);
              Value r = l.addi(l.muli(ti, topK), ji);
              Value v = l.mul(args[0], l.loadF32(routes, {r, hi}));
              if (ids) {
                Value id = l.i32ToIndex(
                    tensor::ExtractOp::create(ib, ids, ValueRange{ti, ji}));
                Value local =
                    l.andi(l.cmpi(arith::CmpIPredicate::sge, id, begin),
                           l.cmpi(arith::CmpIPredicate::slt, id, end));
                v = l.select(
                    local, v,
                    arith::ConstantOp::create(ib, ib.getF32FloatAttr(0.0)));
              }
              linalg::YieldOp::create(ib, l.add(args[1], v));
            })
            .getResult(0)};
    })[0];
    rewriter.replaceOp(op, roundTensor(rb, sum, resultType));
    return success();
  }
};

} // namespace

void mlir::moe::cpu::populateExpertLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerExperts, LowerGroupedMatmul, LowerActivation, LowerCombine>(
      patterns.getContext());
}
