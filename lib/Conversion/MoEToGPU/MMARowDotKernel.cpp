//===- MMARowDotKernel.cpp - row dot products on mma.sync -----------------===//
//
// The mma_row_dot plan of the grouped GEMM kernel (fp4 weights with mx
// scales, bf16 A, NVIDIA). A wave computes 16-row tiles of weight rows (8
// output columns' gate and up rows, or 16 columns), `group` at a time, for
// the block's routes `rowGroup` at a time, as mma.sync m16n8k16 with the
// weight rows as its 16-row operand and the routes as its 8 columns (swap
// of the usual roles, so that one widened run serves 8 routes). The lanes
// of row quad g (lanes 4g..4g+3) read 16-byte runs (32 codes) of tile rows
// g and g + 8 side by side, `unroll` runs a step; a lane widens its runs to
// bf16 pairs in registers (packedFp4Bf16Pair), times 2^126 and its run's
// scale, and loads the same k of route g's A row (pairs regrouped to the
// widened order). An MMA's 16 k are 4 of each quad lane's run, which is
// free: a dot product does not depend on the order of its k. The next
// step's weight runs are loaded before the current step's MMAs; the lanes
// of slices > 0 leave their sums in LDS for slice 0, whose lanes apply the
// epilogue to the sums they hold (rows g and g + 8, routes 2t and 2t + 1).
// fp8 weights times fp8 A (OCP e4m3) take mma.sync m16n8k32 e4m3 on 16-byte
// runs of 16 k as loaded, without widening, and each step's sums times the
// scales of its rows and routes (one scale group along K holds a step).
//
//===----------------------------------------------------------------------===//

#include "GroupedMatmulEmitter.h"
#include "MMASync.h"
#include "moe/Conversion/ActivationMath.h"
#include "moe/Conversion/PackedFp4.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::moe;

/// The block's routes in passes of rowGroup; per pass, this lane's A rows
/// (route quadRow of each 8-route tile) and the routes its sums belong to
/// (2 quadLane and 2 quadLane + 1 of each tile).
void GroupedMatmulEmitter::emitMMARowDot() {
  vecType = VectorType::get({plan.kLoad}, element);
  zeroVec = arith::ConstantOp::create(
      b, DenseElementsAttr::get(vecType, b.getZeroAttr(element)));
  align = b.getI64IntegerAttr(16);
  if (fp8MMARowDot()) {
    wVecType = VectorType::get({plan.kLoad}, wElement);
  } else {
    wVecType = VectorType::get({plan.kLoad / 2}, b.getI8Type());
    wPacked = packedWeightBase();
  }
  quadRow = arith::DivUIOp::create(b, lane, idx(kMMARowDotQuadLanes));
  quadLane = arith::RemUIOp::create(b, lane, idx(kMMARowDotQuadLanes));
  int64_t tilesPerBlock = plan.blockN / plan.mmaTileCols();
  Value waveTile = arith::AddIOp::create(
      b, arith::MulIOp::create(b, colTile, idx(tilesPerBlock)),
      arith::MulIOp::create(b, wave, idx(plan.tilesPerWave)));
  auto passes =
      scf::ForOp::create(b, zero, rowDotPassEnd(), idx(plan.rowGroup));
  b.setInsertionPointToStart(passes.getBody());
  Value first = passes.getInductionVar();
  // A slot past block_m (route order: block_m 1) belongs to another block.
  auto slotRoute = [&](Value slot) -> PassRoute {
    Value inBlock = lt(slot, idx(plan.blockM));
    auto [r, valid] = route(arith::SelectOp::create(b, inBlock, slot, zero));
    valid = arith::AndIOp::create(b, valid, inBlock);
    Value aRow =
        tokenRows ? arith::DivUIOp::create(b, r, idx(topK)).getResult() : r;
    return {r, valid, arith::SelectOp::create(b, valid, aRow, zero)};
  };
  SmallVector<PassRoute> aRoutes, outRoutes;
  for (int64_t j = 0; j < plan.routeTiles(); ++j) {
    Value tile = arith::AddIOp::create(b, first, idx(8 * j));
    aRoutes.push_back(slotRoute(arith::AddIOp::create(b, tile, quadRow)));
    for (int64_t i = 0; i < 2; ++i)
      outRoutes.push_back(slotRoute(arith::AddIOp::create(
          b, tile,
          arith::AddIOp::create(b, arith::MulIOp::create(b, quadLane, idx(2)),
                                idx(i)))));
  }
  emitMMARowDotLoop(aRoutes, outRoutes, waveTile);
}

/// Steps of an mma_row_dot wave per tile group: its slice's share of a
/// lane's runs, unroll a step (the last ones masked past K).
int64_t GroupedMatmulEmitter::mmaRowDotKIters() const {
  return llvm::divideCeil(plan.runsPerLane, plan.unroll * plan.slices);
}

/// The weight row of tile row `r` (quadRow or quadRow + 8) of tile `tile`
/// and its output column (row 0 and a column past the output outside it).
std::pair<Value, Value> GroupedMatmulEmitter::mmaTileRow(Value tile,
                                                         int64_t half) {
  int64_t cols = plan.mmaTileCols();
  Value col = arith::AddIOp::create(
      b, arith::MulIOp::create(b, tile, idx(cols)),
      act ? quadRow
          : arith::AddIOp::create(b, quadRow, idx(8 * half)).getResult());
  Value safe = arith::SelectOp::create(b, lt(col, idx(outCols)), col, zero);
  auto [gateRow, upRow] = weightRowsOf(safe);
  return {act && half ? upRow : gateRow, col};
}

/// This lane's k of unrolled run `u` of step `step` and whether it is
/// inside K (past it: k 0).
std::pair<Value, Value> GroupedMatmulEmitter::mmaRowDotRunK(Value step,
                                                            int64_t u) {
  Value kStep = mmaRowDotKStep(step);
  Value run = arith::AddIOp::create(
      b,
      arith::MulIOp::create(
          b,
          arith::AddIOp::create(
              b, arith::MulIOp::create(b, kStep, idx(plan.unroll)), idx(u)),
          idx(kMMARowDotQuadLanes)),
      quadLane);
  Value k = arith::MulIOp::create(b, run, idx(plan.kLoad));
  Value valid = lt(k, idx(depth));
  return {arith::SelectOp::create(b, valid, k, zero), valid};
}

/// The k step of this lane's slice that step `step` multiplies.
Value GroupedMatmulEmitter::mmaRowDotKStep(Value step) {
  int64_t kIters = mmaRowDotKIters();
  return arith::AddIOp::create(b, arith::MulIOp::create(b, slice, idx(kIters)),
                               arith::RemUIOp::create(b, step, idx(kIters)));
}

/// The k where step `step`'s runs begin (the quad's first run) and whether
/// it is inside K (past it: k 0): the k of an fp8 step's scales.
std::pair<Value, Value> GroupedMatmulEmitter::mmaRowDotStepK(Value step) {
  Value k = arith::MulIOp::create(
      b, mmaRowDotKStep(step),
      idx(plan.unroll * kMMARowDotQuadLanes * plan.kLoad));
  Value valid = lt(k, idx(depth));
  return {arith::SelectOp::create(b, valid, k, zero), valid};
}

/// The weight runs of step `step` (per unrolled run, per tile of the
/// group, rows quadRow and quadRow + 8), then their scales in that order:
/// per run for fp4; fp8 steps load their A runs after the weight runs (per
/// unrolled run, per route tile: `aRoutes`) and take the scales of the
/// step, the weight rows' and then this lane's output routes'
/// (`outRoutes`). A staged fp8 step (`scalesOnly`) loads its scales alone:
/// its runs come through LDS.
SmallVector<Value> GroupedMatmulEmitter::loadMMARowDotStep(
    Value waveTile, Value step, ArrayRef<PassRoute> aRoutes,
    ArrayRef<PassRoute> outRoutes, bool scalesOnly) {
  SmallVector<Value> rows = mmaRowDotStepRows(waveTile, step);
  bool fp8 = fp8MMARowDot();
  SmallVector<Value> runs, scales;
  for (int64_t u = 0; u < plan.unroll && !scalesOnly; ++u) {
    auto [k, valid] = mmaRowDotRunK(step, u);
    for (Value row : rows) {
      if (fp8) {
        Value v =
            vector::LoadOp::create(b, wVecType, w, ValueRange{expert, row, k},
                                   /*nontemporal=*/false, align);
        runs.push_back(masked(v, valid));
        continue;
      }
      runs.push_back(masked(loadPackedFp4Run(expert, row, k), valid));
      scales.push_back(scaleAt(wScales, wQuant, ValueRange{expert, row, k}));
    }
  }
  if (!fp8) {
    llvm::append_range(runs, scales);
    return runs;
  }
  for (int64_t u = 0; u < plan.unroll && !scalesOnly; ++u) {
    auto [k, kValid] = mmaRowDotRunK(step, u);
    for (const PassRoute &r : aRoutes) {
      Value v = vector::LoadOp::create(b, vecType, a, ValueRange{r.aRow, k},
                                       /*nontemporal=*/false, align);
      runs.push_back(masked(v, arith::AndIOp::create(b, r.valid, kValid)));
    }
  }
  Value k = mmaRowDotStepK(step).first;
  if (wScales)
    for (Value row : rows)
      runs.push_back(scaleAt(wScales, wQuant, ValueRange{expert, row, k}));
  if (aScales)
    for (const PassRoute &r : outRoutes)
      runs.push_back(scaleAt(aScales, aQuant, ValueRange{r.aRow, k}));
  return runs;
}

/// The weight rows of step `step`'s tiles (per tile of the group, rows
/// quadRow and quadRow + 8).
SmallVector<Value> GroupedMatmulEmitter::mmaRowDotStepRows(Value waveTile,
                                                           Value step) {
  Value chunk = arith::DivUIOp::create(b, step, idx(mmaRowDotKIters()));
  SmallVector<Value> rows;
  for (Value tile : rowDotGroup(waveTile, chunk))
    for (int64_t half = 0; half < 2; ++half)
      rows.push_back(mmaTileRow(tile, half).first);
  return rows;
}

/// Word `w` (eight codes) of a 16-byte run (`packed`, vector<4xi32>) as the
/// A operand registers of its two MMAs, rows of one lane: per MMA, the k
/// pairs (2t, 2t+1) and (2t+8, 2t+9) taken as codes (c, c + 4) and (c + 1,
/// c + 5), c = 0 and 2 (packedFp4Bf16Pair's pairs), times 2^126 and the
/// run's scale (`scalePair`, both bf16).
SmallVector<Value> GroupedMatmulEmitter::widenMMARowDotWord(Value packed,
                                                            int64_t w,
                                                            Value scalePair) {
  auto pairType = VectorType::get({2}, b.getBF16Type());
  Value factor = vector::BroadcastOp::create(
      b, pairType,
      arith::ConstantOp::create(
          b, b.getBF16Type(),
          b.getFloatAttr(b.getBF16Type(), kPackedFp4Bf16Scale)));
  Value word = vector::ExtractOp::create(b, packed, w);
  SmallVector<Value> regs;
  for (int64_t i = 0; i < 4; ++i) {
    Value pair =
        arith::MulFOp::create(b, packedFp4Bf16Pair(b, word, i), factor);
    regs.push_back(mmaRegister(b, arith::MulFOp::create(b, pair, scalePair)));
  }
  return regs;
}

/// The B operand registers of MMAs 2w and 2w + 1 from this lane's A run
/// (vector<32 x bf16>): per MMA, elements (c, c + 4) and (c + 1, c + 5) of
/// c = 8w and 8w + 2, the k of widenMMARowDotWord's pairs.
SmallVector<Value> GroupedMatmulEmitter::mmaRowDotARegisters(Value run,
                                                             int64_t w) {
  SmallVector<Value> regs;
  for (int64_t c : {8 * w, 8 * w + 2})
    for (int64_t d = 0; d < 2; ++d)
      regs.push_back(mmaRegister(
          b, vector::ShuffleOp::create(b, run, run,
                                       ArrayRef<int64_t>{c + d, c + d + 4})));
  return regs;
}

/// The loop over the wave's steps (tile groups x k steps), the next step's
/// weight runs loaded before the current step's MMAs; after a group's last
/// step, slice 0 adds the other slices' sums and applies the epilogue.
void GroupedMatmulEmitter::emitMMARowDotLoop(ArrayRef<PassRoute> aRoutes,
                                             ArrayRef<PassRoute> outRoutes,
                                             Value waveTile) {
  int64_t kIters = mmaRowDotKIters();
  int64_t steps = plan.tilesPerWave / plan.group * kIters;
  int64_t nTiles = plan.routeTiles();
  int64_t sums = plan.group * nTiles * 4;
  int64_t rowsPerRun = plan.group * 2;
  auto multiply = [&](Value s, ValueRange current, SmallVector<Value> &acc) {
    if (fp8MMARowDot()) {
      multiplyFp8MMARowDot(current, acc);
      return;
    }
    ValueRange runs = current.take_front(plan.unroll * rowsPerRun);
    ValueRange scales = current.drop_front(plan.unroll * rowsPerRun);
    // Word by word (two MMAs each), so that few widened registers are live:
    // the A registers of each route tile, then each tile's two rows.
    auto pairType = VectorType::get({2}, b.getBF16Type());
    auto wordsType = VectorType::get({plan.kLoad / 8}, b.getI32Type());
    for (int64_t u = 0; u < plan.unroll; ++u) {
      auto [k, kValid] = mmaRowDotRunK(s, u);
      SmallVector<Value> aRuns;
      for (const PassRoute &r : aRoutes) {
        Value v = vector::LoadOp::create(b, vecType, a, ValueRange{r.aRow, k},
                                         /*nontemporal=*/false, align);
        aRuns.push_back(masked(v, arith::AndIOp::create(b, r.valid, kValid)));
      }
      SmallVector<Value> packed, scalePairs;
      for (int64_t i = 0; i < rowsPerRun; ++i) {
        int64_t at = u * rowsPerRun + i;
        packed.push_back(vector::BitCastOp::create(b, wordsType, runs[at]));
        scalePairs.push_back(vector::BroadcastOp::create(
            b, pairType,
            arith::TruncFOp::create(b, b.getBF16Type(), scales[at])));
      }
      for (int64_t w = 0; w < plan.kLoad / 8; ++w) {
        SmallVector<SmallVector<Value>> aRegs;
        for (Value run : aRuns)
          aRegs.push_back(mmaRowDotARegisters(run, w));
        for (int64_t c = 0; c < plan.group; ++c) {
          SmallVector<Value> lo =
              widenMMARowDotWord(packed[2 * c], w, scalePairs[2 * c]);
          SmallVector<Value> hi =
              widenMMARowDotWord(packed[2 * c + 1], w, scalePairs[2 * c + 1]);
          for (int64_t j = 0; j < nTiles; ++j) {
            int64_t base = (c * nTiles + j) * 4;
            SmallVector<Value> d(acc.begin() + base, acc.begin() + base + 4);
            for (int64_t m = 0; m < 2; ++m)
              d = mmaSyncM16N8K16(
                  b, /*bf16=*/true,
                  {lo[2 * m], hi[2 * m], lo[2 * m + 1], hi[2 * m + 1]},
                  {aRegs[j][2 * m], aRegs[j][2 * m + 1]}, d);
            std::copy(d.begin(), d.end(), acc.begin() + base);
          }
        }
      }
    }
  };
  // The end of a group: the slices' sums, then the epilogue in slice 0.
  auto finishGroup = [&](Value s, ArrayRef<Value> acc) {
    SmallVector<Value> tiles =
        rowDotGroup(waveTile, arith::DivUIOp::create(b, s, idx(kIters)));
    emitSlicesEpilogue(acc, /*perLane=*/true, [&](ArrayRef<Value> added) {
      emitMMARowDotEpilogue(outRoutes, added, tiles);
    });
  };
  if (plan.staging) {
    emitStagedMMARowDotSteps(aRoutes, outRoutes, waveTile, sums, finishGroup);
    return;
  }
  emitRowDotSteps(
      steps, kIters, sums,
      [&](Value step) {
        return loadMMARowDotStep(waveTile, step, aRoutes, outRoutes);
      },
      multiply, finishGroup);
}

/// One fp8 step (`current`: loadMMARowDotStep's runs and scales): per
/// unrolled run, per tile and route tile, two
/// mma.sync m16n8k32 e4m3 (words 2m and 2m + 1 of the lane's runs of rows
/// g and g + 8 and of the A run: the MMA's k 4t.. and 4t + 16.., the same
/// k in both operands); with scales, the step's sums start at zero and are
/// added to `acc` times the scales of their row and route.
void GroupedMatmulEmitter::multiplyFp8MMARowDot(ValueRange current,
                                                SmallVector<Value> &acc) {
  int64_t nTiles = plan.routeTiles();
  int64_t rowsPerRun = plan.group * 2;
  int64_t nRuns = plan.unroll * (rowsPerRun + nTiles);
  ValueRange runs = current.take_front(plan.unroll * rowsPerRun);
  ValueRange aRuns =
      current.slice(plan.unroll * rowsPerRun, plan.unroll * nTiles);
  ValueRange scales = current.drop_front(nRuns);
  auto wordsType = VectorType::get({4}, b.getI32Type());
  auto words = [&](Value run) {
    Value v = vector::BitCastOp::create(b, wordsType, run);
    SmallVector<Value> out;
    for (int64_t i = 0; i < 4; ++i)
      out.push_back(vector::ExtractOp::create(b, v, i));
    return out;
  };
  bool scaled = wScales || aScales;
  Value zeroF = arith::ConstantOp::create(b, b.getF32FloatAttr(0.0));
  SmallVector<Value> sums =
      scaled ? SmallVector<Value>(acc.size(), zeroF) : acc;
  for (int64_t u = 0; u < plan.unroll; ++u) {
    SmallVector<SmallVector<Value>> aWords;
    for (int64_t j = 0; j < nTiles; ++j)
      aWords.push_back(words(aRuns[u * nTiles + j]));
    for (int64_t c = 0; c < plan.group; ++c) {
      SmallVector<Value> lo = words(runs[u * rowsPerRun + 2 * c]);
      SmallVector<Value> hi = words(runs[u * rowsPerRun + 2 * c + 1]);
      for (int64_t j = 0; j < nTiles; ++j) {
        int64_t base = (c * nTiles + j) * 4;
        SmallVector<Value> d(sums.begin() + base, sums.begin() + base + 4);
        for (int64_t m = 0; m < 2; ++m)
          d = mmaSyncM16N8K32E4M3(
              b, {lo[2 * m], hi[2 * m], lo[2 * m + 1], hi[2 * m + 1]},
              {aWords[j][2 * m], aWords[j][2 * m + 1]}, d);
        std::copy(d.begin(), d.end(), sums.begin() + base);
      }
    }
  }
  if (!scaled) {
    acc = sums;
    return;
  }
  ValueRange wS = scales.take_front(wScales ? rowsPerRun : 0);
  ValueRange aS = scales.drop_front(wS.size());
  for (int64_t c = 0; c < plan.group; ++c)
    for (int64_t j = 0; j < nTiles; ++j)
      for (int64_t i = 0; i < 4; ++i) {
        int64_t at = (c * nTiles + j) * 4 + i;
        Value factor = wScales ? wS[2 * c + i / 2] : Value();
        if (aScales) {
          Value route = aS[2 * j + i % 2];
          factor = factor ? arith::MulFOp::create(b, factor, route).getResult()
                          : route;
        }
        acc[at] = arith::AddFOp::create(
            b, acc[at], arith::MulFOp::create(b, sums[at], factor));
      }
}

/// Each lane holds, per tile and route tile, rows quadRow and quadRow + 8
/// of routes 2 quadLane and 2 quadLane + 1: with a gated epilogue a
/// column's gate and up sums, else two columns. It adds the expert bias,
/// applies the routed weight and the activation and stores its valid
/// routes' columns inside the output.
void GroupedMatmulEmitter::emitMMARowDotEpilogue(ArrayRef<PassRoute> routes,
                                                 ArrayRef<Value> sums,
                                                 ArrayRef<Value> tiles) {
  int64_t nTiles = plan.routeTiles();
  for (auto [c, tile] : llvm::enumerate(tiles)) {
    auto [gateRow, col] = mmaTileRow(tile, 0);
    auto [hiRow, hiCol] = mmaTileRow(tile, 1);
    for (int64_t j = 0; j < nTiles; ++j)
      for (int64_t i = 0; i < 2; ++i) {
        const PassRoute &r = routes[2 * j + i];
        int64_t base = (static_cast<int64_t>(c) * nTiles + j) * 4;
        Value lo = sums[base + i], hi = sums[base + 2 + i];
        auto ifValid = scf::IfOp::create(b, r.valid, /*withElseRegion=*/false);
        OpBuilder::InsertionGuard inner(b);
        b.setInsertionPointToStart(&ifValid.getThenRegion().front());
        Value scale;
        if (weights)
          scale = memref::LoadOp::create(
              b, weights,
              ValueRange{arith::DivUIOp::create(b, r.route, idx(topK)),
                         arith::RemUIOp::create(b, r.route, idx(topK))});
        auto store = [&](Value value, Value at) {
          if (!outElement.isF32())
            value = arith::TruncFOp::create(b, outElement, value);
          auto inside = scf::IfOp::create(b, lt(at, idx(outCols)),
                                          /*withElseRegion=*/false);
          OpBuilder::InsertionGuard s(b);
          b.setInsertionPointToStart(&inside.getThenRegion().front());
          memref::StoreOp::create(b, value, out, ValueRange{r.route, at});
        };
        auto finish = [&](Value v, Value row) {
          if (bias)
            v = arith::AddFOp::create(b, v, biasAt(expert, row));
          if (scale)
            v = arith::MulFOp::create(b, v, scale);
          return v;
        };
        if (act) {
          Value g = finish(lo, gateRow), u = finish(hi, hiRow);
          store(emitGatedActivationF32(b, act, g, u), col);
        } else {
          store(finish(lo, gateRow), col);
          store(finish(hi, hiRow), hiCol);
        }
      }
  }
}
