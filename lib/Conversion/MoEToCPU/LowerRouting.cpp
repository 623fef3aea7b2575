//===- LowerRouting.cpp - CPU reference of moe.gate and moe.align ---------===//
//
// Lowers the router (scores, grouped top-k, weights) and route alignment to loops.
//
//===----------------------------------------------------------------------===//

#include "Lowerings.h"
#include "RefBuilder.h"

#include "moe/Conversion/SizeChecks.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::cpu;

using arith::CmpIPredicate;

namespace {

/// Index of the largest value of `v[lo, hi)` that is not NaN (NaN marks an
/// expert or group already taken); ties go to the lower index. When every
/// entry is NaN (NaN scores from NaN logits) it returns `lo`, so the result
/// always indexes `v`; the weights are then NaN too.
Value emitArgMax(RefBuilder &rb, Value v, Value lo, Value hi) {
  ImplicitLocOpBuilder &b = rb.builder();
  Value none = rb.idx(-1);
  Value ninf = rb.f32(-std::numeric_limits<double>::infinity());
  SmallVector<Value> best = rb.loop(lo, hi, {ninf, none},
                 [&](RefBuilder &in, Value e, ValueRange acc)
                     -> SmallVector<Value> {
                   Value x = in.load(v, e);
                   Value greater = arith::CmpFOp::create(
                       b, arith::CmpFPredicate::OGT, x, acc[0]);
                   Value firstValid = in.andi(
                       in.cmpi(CmpIPredicate::eq, acc[1], none),
                       arith::CmpFOp::create(b, arith::CmpFPredicate::ORD, x,
                                             x));
                   Value take = arith::OrIOp::create(b, greater, firstValid);
                   return {in.select(take, x, acc[0]),
                           in.select(take, e, acc[1])};
                 });
  Value found = rb.cmpi(CmpIPredicate::sge, best[1], rb.idx(0));
  return rb.select(found, best[1], lo);
}

/// moe.gate: per token, scores -> (biased) selection scores -> optional
/// group masking -> iterative top-k -> weights.
struct LowerGate : OpConversionPattern<GateOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(GateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    RefBuilder rb(b);
    Value logits = adaptor.getLogits(), bias = adaptor.getBias();
    auto weightsType = cast<RankedTensorType>(op.getWeights().getType());
    auto idsType = cast<RankedTensorType>(op.getIds().getType());
    int64_t topK = op.getTopKAttr().getInt();
    Value tokens = rb.dim(logits, 0), experts = rb.dim(logits, 1);
    SmallVector<Value> tokenDyn;
    if (weightsType.isDynamicDim(0))
      tokenDyn.push_back(tokens);
    Value weights = rb.filled(weightsType, tokenDyn, rb.f32(0.0));
    Value ids = rb.filled(idsType, tokenDyn, rb.i32(0));
    auto scratchType = RankedTensorType::get({ShapedType::kDynamic},
                                             b.getF32Type());
    Value scores = rb.filled(scratchType, experts, rb.f32(0.0));
    Value select = rb.filled(scratchType, experts, rb.f32(0.0));
    Value zero = rb.idx(0);
    bool grouped = op.getNGroupAttr() != nullptr;
    Value nGroup = grouped ? rb.idx(op.getNGroupAttr().getInt()) : rb.idx(1);
    Value groupScores = rb.filled(scratchType, nGroup, rb.f32(0.0));
    Value nan = rb.f32(std::numeric_limits<double>::quiet_NaN());
    Value ninf = rb.f32(-std::numeric_limits<double>::infinity());
    Operation *raw = op;
    SmallVector<Value> checks{rb.requireEqual(
        raw, arith::MinUIOp::create(b, experts, rb.idx(topK)), rb.idx(topK),
        "top_k must not exceed the number of experts (dim 1 of 'logits')")};
    if (bias)
      checks.push_back(rb.requireEqual(
          raw, rb.dim(bias, 0), experts,
          "dim 0 of 'bias' must equal dim 1 of 'logits' (E)"));
    if (grouped) {
      checks.push_back(rb.requireEqual(
          raw, arith::RemUIOp::create(b, experts, nGroup), zero,
          "the number of experts must be a multiple of n_group"));
      checks.push_back(rb.requireEqual(
          raw,
          arith::MinUIOp::create(
              b, arith::DivUIOp::create(b, experts, nGroup), rb.idx(2)),
          rb.idx(2), "each expert group must have at least 2 experts"));
    }
    Value ok = rb.all(checks);

    SmallVector<Value> results = rb.loop(
        zero, rb.select(ok, tokens, zero),
        {weights, ids, scores, select, groupScores},
        [&](RefBuilder &in, Value t, ValueRange it) -> SmallVector<Value> {
          Value w = it[0], id = it[1], s = it[2], sel = it[3], gs = it[4];
          // Scores.
          if (op.getScoring() == ScoringFunc::Softmax) {
            Value max = in.loop(zero, experts, ninf,
                                [&](RefBuilder &l, Value e, ValueRange m)
                                    -> SmallVector<Value> {
                                  return {arith::MaximumFOp::create(
                                      l.builder(), m[0],
                                      l.loadF32(logits, {t, e}))};
                                })[0];
            SmallVector<Value> expSum = in.loop(
                zero, experts, {s, in.f32(0.0)},
                [&](RefBuilder &l, Value e, ValueRange a) -> SmallVector<Value> {
                  Value x = l.exp(l.sub(l.loadF32(logits, {t, e}), max));
                  return {l.store(x, a[0], e), l.add(a[1], x)};
                });
            s = in.loop(zero, experts, expSum[0],
                        [&](RefBuilder &l, Value e, ValueRange a)
                            -> SmallVector<Value> {
                          return {l.store(l.div(l.load(a[0], e), expSum[1]),
                                          a[0], e)};
                        })[0];
          } else {
            s = in.loop(zero, experts, s,
                        [&](RefBuilder &l, Value e, ValueRange a)
                            -> SmallVector<Value> {
                          return {l.store(l.sigmoid(l.loadF32(logits, {t, e})),
                                          a[0], e)};
                        })[0];
          }
          // Selection scores: s + bias, a NaN one as -inf (NaN marks the
          // experts that can no longer be selected).
          sel = in.loop(zero, experts, sel,
                        [&](RefBuilder &l, Value e, ValueRange a)
                            -> SmallVector<Value> {
                          Value x = l.load(s, e);
                          if (bias)
                            x = l.add(x, l.loadF32(bias, e));
                          Value number = arith::CmpFOp::create(
                              l.builder(), arith::CmpFPredicate::ORD, x, x);
                          return {l.store(l.select(number, x, ninf), a[0], e)};
                        })[0];
          if (grouped)
            std::tie(sel, gs) = maskGroups(in, op, sel, gs, experts, nGroup);
          // Top-k by repeated arg-max; a taken expert becomes NaN.
          SmallVector<Value> picked = in.loop(
              zero, in.idx(topK), {w, id, sel, in.f32(0.0)},
              [&](RefBuilder &l, Value j, ValueRange a) -> SmallVector<Value> {
                Value best = emitArgMax(l, a[2], zero, experts);
                Value weight = l.load(s, best);
                Value nw = l.store(weight, a[0], {t, j});
                Value nid = tensor::InsertOp::create(
                    l.builder(), l.indexToI32(best), a[1], ValueRange{t, j});
                Value nsel = l.store(nan, a[2], best);
                return {nw, nid, nsel, l.add(a[3], weight)};
              });
          w = picked[0];
          id = picked[1];
          Value scale = in.f32(op.getScaling() ? op.getScaling()->convertToDouble()
                                               : 1.0);
          if (op.getRenormalize())
            scale = in.div(scale, picked[3]);
          w = in.loop(zero, in.idx(topK), w,
                      [&](RefBuilder &l, Value j, ValueRange a)
                          -> SmallVector<Value> {
                        return {l.store(l.mul(l.load(a[0], {t, j}), scale),
                                        a[0], {t, j})};
                      })[0];
          return {w, id, s, picked[2], gs};
        });
    rewriter.replaceOp(op, {results[0], results[1]});
    return success();
  }

  /// Keeps the experts of the topk_group best groups (group score = sum of
  /// its two best selection scores) and sets the others to NaN (never
  /// selected).
  static std::pair<Value, Value> maskGroups(RefBuilder &rb, GateOp op,
                                            Value sel, Value gs, Value experts,
                                            Value nGroup) {
    ImplicitLocOpBuilder &b = rb.builder();
    Value zero = rb.idx(0);
    Value perGroup = arith::DivUIOp::create(b, experts, nGroup);
    Value ninf = rb.f32(-std::numeric_limits<double>::infinity());
    gs = rb.loop(zero, nGroup, gs,
                 [&](RefBuilder &l, Value g, ValueRange a) -> SmallVector<Value> {
                   Value lo = l.muli(g, perGroup);
                   Value hi = l.addi(lo, perGroup);
                   SmallVector<Value> top2 = l.loop(
                       lo, hi, {ninf, ninf},
                       [&](RefBuilder &m, Value e, ValueRange t)
                           -> SmallVector<Value> {
                         Value x = m.load(sel, e);
                         Value first = arith::CmpFOp::create(
                             m.builder(), arith::CmpFPredicate::OGT, x, t[0]);
                         Value second = arith::MaximumFOp::create(
                             m.builder(), t[1],
                             arith::MinimumFOp::create(m.builder(), x, t[0]));
                         return {m.select(first, x, t[0]), second};
                       });
                   return {l.store(l.add(top2[0], top2[1]), a[0], g)};
                 })[0];
    // keep[g] = 1.0 for the chosen groups, found by repeated arg-max.
    auto keepType = RankedTensorType::get({ShapedType::kDynamic}, b.getF32Type());
    Value keep = rb.filled(keepType, nGroup, rb.f32(0.0));
    Value nan = rb.f32(std::numeric_limits<double>::quiet_NaN());
    SmallVector<Value> chosen = rb.loop(
        zero, rb.idx(op.getTopkGroupAttr().getInt()), {gs, keep},
        [&](RefBuilder &l, Value, ValueRange a) -> SmallVector<Value> {
          Value best = emitArgMax(l, a[0], zero, nGroup);
          return {l.store(nan, a[0], best), l.store(l.f32(1.0), a[1], best)};
        });
    sel = rb.loop(zero, experts, sel,
                  [&](RefBuilder &l, Value e, ValueRange a) -> SmallVector<Value> {
                    Value g = arith::DivUIOp::create(l.builder(), e, perGroup);
                    Value kept = arith::CmpFOp::create(
                        l.builder(), arith::CmpFPredicate::OEQ,
                        l.load(chosen[1], g), l.f32(1.0));
                    Value x = l.select(kept, l.load(a[0], e), nan);
                    return {l.store(x, a[0], e)};
                  })[0];
    return {sel, chosen[0]};
  }
};

/// moe.align's check of its ids (AlignOp::getRouteIdBound).
void reportBadRouteIds(RefBuilder &rb, AlignOp op, Value ids) {
  std::optional<int64_t> bound = op.getRouteIdBound();
  rb.requireRouteIdsIn(op, ids, bound ? rb.idx(*bound) : Value(),
                       describeRouteIdRange(bound));
}

/// moe.align: count routes per local expert, pad each count to block_m,
/// place routes in ascending order with per-expert cursors, label blocks.
struct LowerAlign : OpConversionPattern<AlignOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(AlignOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    RefBuilder rb(b);
    Value ids = adaptor.getIds();
    int64_t blockM = op.getBlockMAttr().getInt();
    int64_t numExperts = op.getNumExpertsAttr().getInt();
    Value zero = rb.idx(0), bm = rb.idx(blockM), nE = rb.idx(numExperts);
    Value topK = rb.dim(ids, 1);
    Value routes = rb.muli(rb.dim(ids, 0), topK);
    Value begin = adaptor.getExpertBegin() ? adaptor.getExpertBegin() : zero;
    reportBadRouteIds(rb, op, ids);
    // R_max and R_max / block_m, the sizes of the first two results.
    ReifiedRankedShapedTypeDims sizes;
    if (failed(op.reifyResultShapes(b, sizes)))
      return failure();
    Value maxRoutes =
        getValueOrCreateConstantIndexOp(b, b.getLoc(), sizes[0][0]);
    Value maxBlocks =
        getValueOrCreateConstantIndexOp(b, b.getLoc(), sizes[1][0]);

    auto idxVec = RankedTensorType::get({ShapedType::kDynamic}, b.getIndexType());
    // Local expert of route r, or -1 when it is not local.
    auto localExpert = [&](RefBuilder &l, Value r) {
      Value t = arith::DivUIOp::create(l.builder(), r, topK);
      Value j = arith::RemUIOp::create(l.builder(), r, topK);
      Value e = arith::SubIOp::create(l.builder(),
                                      l.i32ToIndex(l.load(ids, {t, j})), begin);
      Value local = l.andi(l.cmpi(CmpIPredicate::sge, e, zero),
                           l.cmpi(CmpIPredicate::slt, e, nE));
      return l.select(local, e, l.idx(-1));
    };
    Value counts = rb.filled(idxVec, nE, zero);
    counts = rb.loop(zero, routes, counts,
                     [&](RefBuilder &l, Value r, ValueRange a) -> SmallVector<Value> {
                       Value e = localExpert(l, r);
                       return l.ifThen(l.cmpi(CmpIPredicate::sge, e, zero), a,
                                       [&](RefBuilder &m) -> SmallVector<Value> {
                                         Value c = m.addi(m.load(a[0], e),
                                                          m.idx(1));
                                         return {tensor::InsertOp::create(
                                             m.builder(), c, a[0], e)};
                                       });
                     })[0];
    // offsets[e] = sum of padded counts before e; the cursor starts there.
    Value offsets = rb.filled(idxVec, rb.addi(nE, rb.idx(1)), zero);
    offsets = rb.loop(zero, nE, offsets,
                      [&](RefBuilder &l, Value e, ValueRange a) -> SmallVector<Value> {
                        Value c = l.load(counts, e);
                        Value padded = l.muli(
                            arith::DivUIOp::create(
                                l.builder(), l.addi(c, l.idx(blockM - 1)), bm),
                            bm);
                        Value next = l.addi(l.load(a[0], e), padded);
                        return {tensor::InsertOp::create(
                            l.builder(), next, a[0], l.addi(e, l.idx(1)))};
                      })[0];
    Value total = rb.load(offsets, nE);

    auto sortedType = cast<RankedTensorType>(op.getSortedRouteIds().getType());
    auto blocksType = cast<RankedTensorType>(op.getBlockExpertIds().getType());
    SmallVector<Value> sortedDyn, blocksDyn;
    if (sortedType.isDynamicDim(0))
      sortedDyn.push_back(maxRoutes);
    if (blocksType.isDynamicDim(0))
      blocksDyn.push_back(maxBlocks);
    Value sorted = rb.filled(sortedType, sortedDyn, rb.indexToI32(routes));
    Value blocks = rb.filled(blocksType, blocksDyn, rb.i32(-1));
    Value cursor = rb.filled(idxVec, nE, zero);
    cursor = rb.loop(zero, nE, cursor,
                     [&](RefBuilder &l, Value e, ValueRange a) -> SmallVector<Value> {
                       return {tensor::InsertOp::create(
                           l.builder(), l.load(offsets, e), a[0], e)};
                     })[0];
    SmallVector<Value> placed = rb.loop(
        zero, routes, {sorted, cursor},
        [&](RefBuilder &l, Value r, ValueRange a) -> SmallVector<Value> {
          Value e = localExpert(l, r);
          return l.ifThen(
              l.cmpi(CmpIPredicate::sge, e, zero), a,
              [&](RefBuilder &m) -> SmallVector<Value> {
                Value pos = m.load(a[1], e);
                Value s = tensor::InsertOp::create(m.builder(),
                                                   m.indexToI32(r), a[0], pos);
                Value c = tensor::InsertOp::create(
                    m.builder(), m.addi(pos, m.idx(1)), a[1], e);
                return {s, c};
              });
        });
    blocks = rb.loop(zero, nE, blocks,
                     [&](RefBuilder &l, Value e, ValueRange a) -> SmallVector<Value> {
                       Value lo = arith::DivUIOp::create(l.builder(),
                                                         l.load(offsets, e), bm);
                       Value hi = arith::DivUIOp::create(
                           l.builder(), l.load(offsets, l.addi(e, l.idx(1))), bm);
                       Value eid = l.indexToI32(e);
                       return l.loop(lo, hi, a[0],
                                     [&](RefBuilder &m, Value blk, ValueRange c)
                                         -> SmallVector<Value> {
                                       return {tensor::InsertOp::create(
                                           m.builder(), eid, c[0], blk)};
                                     });
                     })[0];
    Value count = tensor::FromElementsOp::create(
        b, op.getPaddedCount().getType(), ValueRange{rb.indexToI32(total)});
    rewriter.replaceOp(op, {placed[0], blocks, count});
    return success();
  }
};

} // namespace

void mlir::moe::cpu::populateRoutingLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerGate, LowerAlign>(patterns.getContext());
}
