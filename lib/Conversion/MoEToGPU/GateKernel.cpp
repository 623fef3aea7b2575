//===- GateKernel.cpp - the moe.gate kernel template ----------------------===//
//
// Emits the router as one wave per token with shuffle reductions.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/GPUKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

#include <limits>

using namespace mlir;
using namespace mlir::moe;

namespace {
/// Builds the body of the gate kernel for one token (one wave).
struct GateKernelBuilder {
  ImplicitLocOpBuilder &b;
  GateOp op;
  int64_t wave, experts, topK;
  Value logits, bias, weightsOut, idsOut, token, lane;
  Value maxLogit, expSum; // softmax only

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, v); }
  Value f32(double v) {
    return arith::ConstantOp::create(b, b.getF32FloatAttr(v));
  }
  Value i32(int64_t v) {
    return arith::ConstantOp::create(b, b.getI32IntegerAttr(v));
  }
  Value widen(Value v) {
    return v.getType().isF32()
               ? v
               : arith::ExtFOp::create(b, b.getF32Type(), v).getResult();
  }
  Value logit(Value e) {
    return widen(memref::LoadOp::create(b, logits, ValueRange{token, e}));
  }

  /// A butterfly reduction over the wave with `combine`.
  Value waveReduce(Value v, function_ref<Value(Value, Value)> combine) {
    for (int64_t off = wave / 2; off >= 1; off /= 2) {
      Value other = gpu::ShuffleOp::create(b, v, i32(off), i32(wave),
                                           gpu::ShuffleMode::XOR)
                        .getShuffleResult();
      v = combine(v, other);
    }
    return v;
  }

  /// for (e = lane; e < n; e += wave) acc = body(e, acc)
  SmallVector<Value> laneLoop(Value n, ValueRange init,
                              function_ref<SmallVector<Value>(Value, ValueRange)>
                                  body) {
    auto loop = scf::ForOp::create(b, lane, n, idx(wave), init);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    scf::YieldOp::create(b, body(loop.getInductionVar(),
                                 loop.getRegionIterArgs()));
    return SmallVector<Value>(loop.getResults());
  }

  /// The unbiased score of expert e.
  Value score(Value e) {
    Value l = logit(e);
    Value one = f32(1.0);
    if (op.getScoring() == ScoringFunc::Sigmoid)
      return arith::DivFOp::create(
          b, one,
          arith::AddFOp::create(
              b, one, math::ExpOp::create(b, arith::NegFOp::create(b, l))));
    return arith::DivFOp::create(
        b, math::ExpOp::create(b, arith::SubFOp::create(b, l, maxLogit)),
        expSum);
  }

  /// The selection score: score + bias, NaN mapped to -inf.
  Value selection(Value e) {
    Value s = score(e);
    if (bias)
      s = arith::AddFOp::create(b, s,
                                widen(memref::LoadOp::create(b, bias, e)));
    Value ordered =
        arith::CmpFOp::create(b, arith::CmpFPredicate::ORD, s, s);
    return arith::SelectOp::create(
        b, ordered, s, f32(-std::numeric_limits<double>::infinity()));
  }

  /// The (value, index) pair that wins across the wave: the larger value,
  /// then the lower index. Index `none` marks a lane without a candidate.
  std::pair<Value, Value> waveArgMax(Value value, Value index) {
    for (int64_t off = wave / 2; off >= 1; off /= 2) {
      Value ov = gpu::ShuffleOp::create(b, value, i32(off), i32(wave),
                                        gpu::ShuffleMode::XOR)
                     .getShuffleResult();
      Value oi = gpu::ShuffleOp::create(b, index, i32(off), i32(wave),
                                        gpu::ShuffleMode::XOR)
                     .getShuffleResult();
      Value better = arith::OrIOp::create(
          b, arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, ov, value),
          arith::AndIOp::create(
              b, arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, ov, value),
              arith::CmpIOp::create(b, arith::CmpIPredicate::slt, oi, index)));
      value = arith::SelectOp::create(b, better, ov, value);
      index = arith::SelectOp::create(b, better, oi, index);
    }
    return {value, index};
  }

  /// Bit `i` of a 64-bit mask.
  Value bit(Value mask, Value i) {
    Value shifted = arith::ShRUIOp::create(
        b, mask, arith::IndexCastOp::create(b, b.getI64Type(), i));
    return arith::TruncIOp::create(
        b, b.getI1Type(),
        arith::AndIOp::create(
            b, shifted,
            arith::ConstantOp::create(b, b.getI64IntegerAttr(1))));
  }
  Value setBit(Value mask, Value i) {
    Value one = arith::ConstantOp::create(b, b.getI64IntegerAttr(1));
    return arith::OrIOp::create(
        b, mask,
        arith::ShLIOp::create(
            b, one, arith::IndexCastOp::create(b, b.getI64Type(), i)));
  }

  Value ninf() { return f32(-std::numeric_limits<double>::infinity()); }
  /// The index of a lane without a candidate.
  Value none() { return i32(std::numeric_limits<int32_t>::max()); }
  Value zeroMask() {
    return arith::ConstantOp::create(b, b.getI64IntegerAttr(0));
  }
  Value notSet(Value bitValue) {
    return arith::XOrIOp::create(
        b, bitValue, arith::ConstantOp::create(b, b.getBoolAttr(true)));
  }
  /// `better` of a candidate (s, index) against the lane's best (acc):
  /// allowed, and larger, or the first.
  Value beats(Value allowed, Value s, ValueRange acc) {
    return arith::AndIOp::create(
        b, allowed,
        arith::OrIOp::create(
            b, arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, s, acc[0]),
            arith::CmpIOp::create(b, arith::CmpIPredicate::eq, acc[1],
                                  none())));
  }

  /// Softmax: the row's max logit and sum of exponentials.
  void emitSoftmaxStats() {
    Value numExperts = idx(experts);
    Value localMax = laneLoop(
        numExperts, ninf(), [&](Value e, ValueRange acc) -> SmallVector<Value> {
          return {arith::MaximumFOp::create(b, acc[0], logit(e))};
        })[0];
    maxLogit = waveReduce(localMax, [&](Value x, Value y) {
      return arith::MaximumFOp::create(b, x, y).getResult();
    });
    Value localSum =
        laneLoop(numExperts, f32(0.0),
                 [&](Value e, ValueRange acc) -> SmallVector<Value> {
                   Value x = math::ExpOp::create(
                       b, arith::SubFOp::create(b, logit(e), maxLogit));
                   return {arith::AddFOp::create(b, acc[0], x)};
                 })[0];
    expSum = waveReduce(localSum, [&](Value x, Value y) {
      return arith::AddFOp::create(b, x, y).getResult();
    });
  }

  /// A group's score: the sum of its two best selection scores.
  Value groupScore(Value grp, int64_t perGroup) {
    Value lo = arith::MulIOp::create(b, grp, idx(perGroup));
    auto top2 =
        scf::ForOp::create(b, lo, arith::AddIOp::create(b, lo, idx(perGroup)),
                           idx(1), ValueRange{ninf(), ninf()});
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(top2.getBody());
    Value x = selection(top2.getInductionVar());
    Value t0 = top2.getRegionIterArgs()[0], t1 = top2.getRegionIterArgs()[1];
    scf::YieldOp::create(
        b, ValueRange{arith::MaximumFOp::create(b, x, t0),
                      arith::MaximumFOp::create(
                          b, t1, arith::MinimumFOp::create(b, x, t0))});
    b.setInsertionPointAfter(top2);
    return arith::AddFOp::create(b, top2.getResult(0), top2.getResult(1))
        .getResult();
  }

  /// Grouped routing: the kept groups as a uniform 64-bit mask.
  Value emitKeptGroups(int64_t nGroup, int64_t keepGroups, int64_t perGroup) {
    auto keep = scf::ForOp::create(b, idx(0), idx(keepGroups), idx(1),
                                   ValueRange{zeroMask()});
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(keep.getBody());
    Value kept = keep.getRegionIterArgs()[0];
    SmallVector<Value> best =
        laneLoop(idx(nGroup), ValueRange{ninf(), none()},
                 [&](Value grp, ValueRange acc) -> SmallVector<Value> {
                   Value s = groupScore(grp, perGroup);
                   Value better = beats(notSet(bit(kept, grp)), s, acc);
                   Value gi =
                       arith::IndexCastOp::create(b, b.getI32Type(), grp);
                   return {arith::SelectOp::create(b, better, s, acc[0]),
                           arith::SelectOp::create(b, better, gi, acc[1])};
                 });
    Value winner = waveArgMax(best[0], best[1]).second;
    Value w = arith::MinSIOp::create(b, winner, i32(nGroup - 1));
    scf::YieldOp::create(
        b, ValueRange{setBit(
               kept, arith::IndexCastOp::create(b, b.getIndexType(), w))});
    return keep.getResult(0);
  }

  /// Top-k by repeated wave arg-max; a lane marks its taken experts in a
  /// 64-bit mask (bit i = its i-th expert, lane + i * wave). Lane 0 writes
  /// each winner's id and weight; returns the sum of the weights.
  Value emitTopK(Value keptMask, int64_t perGroup) {
    auto select = scf::ForOp::create(b, idx(0), idx(topK), idx(1),
                                     ValueRange{zeroMask(), f32(0.0)});
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(select.getBody());
    Value taken = select.getRegionIterArgs()[0];
    Value j = select.getInductionVar();
    SmallVector<Value> best = laneLoop(
        idx(experts), ValueRange{ninf(), none()},
        [&](Value e, ValueRange acc) -> SmallVector<Value> {
          Value slot = arith::DivUIOp::create(b, e, idx(wave));
          Value free = notSet(bit(taken, slot));
          if (keptMask)
            free = arith::AndIOp::create(
                b, free,
                bit(keptMask, arith::DivUIOp::create(b, e, idx(perGroup))));
          Value s = selection(e);
          Value better = beats(free, s, acc);
          Value ei = arith::IndexCastOp::create(b, b.getI32Type(), e);
          return {arith::SelectOp::create(b, better, s, acc[0]),
                  arith::SelectOp::create(b, better, ei, acc[1])};
        });
    Value winner = waveArgMax(best[0], best[1]).second;
    // Always a valid expert index (NaN-only rows keep expert 0).
    Value w = arith::IndexCastOp::create(
        b, b.getIndexType(),
        arith::MinSIOp::create(b, winner, i32(experts - 1)));
    Value weight = score(w);
    Value mine =
        arith::CmpIOp::create(b, arith::CmpIPredicate::eq,
                              arith::RemUIOp::create(b, w, idx(wave)), lane);
    Value newTaken = arith::SelectOp::create(
        b, mine, setBit(taken, arith::DivUIOp::create(b, w, idx(wave))), taken);
    Value lane0 =
        arith::CmpIOp::create(b, arith::CmpIPredicate::eq, lane, idx(0));
    auto write = scf::IfOp::create(b, lane0, /*withElseRegion=*/false);
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(&write.getThenRegion().front());
      memref::StoreOp::create(b,
                              arith::IndexCastOp::create(b, b.getI32Type(), w),
                              idsOut, ValueRange{token, j});
      memref::StoreOp::create(b, weight, weightsOut, ValueRange{token, j});
    }
    scf::YieldOp::create(
        b, ValueRange{newTaken,
                      arith::AddFOp::create(b, select.getRegionIterArgs()[1],
                                            weight)});
    b.setInsertionPointAfter(select);
    return select.getResult(1);
  }

  /// Renormalize and scale: lane 0 wrote the weights; it rescales them.
  void emitRescale(Value weightSum) {
    double scaling = op.getScaling() ? op.getScaling()->convertToDouble() : 1.0;
    Value factor = f32(scaling);
    if (op.getRenormalize())
      factor = arith::DivFOp::create(b, factor, weightSum);
    Value lane0 =
        arith::CmpIOp::create(b, arith::CmpIPredicate::eq, lane, idx(0));
    auto rescale = scf::IfOp::create(b, lane0, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&rescale.getThenRegion().front());
    auto loop = scf::ForOp::create(b, idx(0), idx(topK), idx(1));
    b.setInsertionPointToStart(loop.getBody());
    Value jj = loop.getInductionVar();
    Value w = memref::LoadOp::create(b, weightsOut, ValueRange{token, jj});
    memref::StoreOp::create(b, arith::MulFOp::create(b, w, factor), weightsOut,
                            ValueRange{token, jj});
  }
};
} // namespace

FailureOr<gpu::GPUFuncOp>
mlir::moe::buildGateKernel(OpBuilder &builder, gpu::GPUModuleOp module,
                           GateOp op, const ChipInfo &chip, StringRef name) {
  auto logitsType = cast<RankedTensorType>(op.getLogits().getType());
  int64_t experts = logitsType.getDimSize(1);
  int64_t wave = chip.waveSize;
  int64_t nGroup = op.getNGroupAttr() ? op.getNGroupAttr().getInt() : 0;
  if (ShapedType::isDynamic(experts) || experts > 64 * wave)
    return op.emitOpError() << "expected a static expert count <= " << 64 * wave
                            << " for the kernel, got " << logitsType;
  if (nGroup > 64)
    return op.emitOpError()
           << "expected n_group <= 64 for the kernel, got " << nGroup;
  ImplicitLocOpBuilder b(op.getLoc(), builder);
  SmallVector<Type> args{bufferTypeOf(op.getLogits().getType())};
  if (op.getBias())
    args.push_back(bufferTypeOf(op.getBias().getType()));
  args.append({bufferTypeOf(op.getWeights().getType()),
               bufferTypeOf(op.getIds().getType())});
  auto func = createKernel(b, module, name, args, wave);
  Block &entry = func.getBody().front();

  GateKernelBuilder g{b,
                      op,
                      wave,
                      experts,
                      op.getTopKAttr().getInt(),
                      entry.getArgument(0),
                      Value(),
                      Value(),
                      Value(),
                      gpu::BlockIdOp::create(b, gpu::Dimension::x),
                      gpu::ThreadIdOp::create(b, gpu::Dimension::x),
                      Value(),
                      Value()};
  unsigned a = 1;
  if (op.getBias())
    g.bias = entry.getArgument(a++);
  g.weightsOut = entry.getArgument(a++);
  g.idsOut = entry.getArgument(a++);

  if (op.getScoring() == ScoringFunc::Softmax)
    g.emitSoftmaxStats();
  int64_t perGroup = nGroup ? experts / nGroup : 0;
  Value keptMask;
  if (nGroup)
    keptMask =
        g.emitKeptGroups(nGroup, op.getTopkGroupAttr().getInt(), perGroup);
  g.emitRescale(g.emitTopK(keptMask, perGroup));
  gpu::ReturnOp::create(b);
  return func;
}
