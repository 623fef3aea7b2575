//===- RowDotKernel.cpp - the grouped GEMM as row dot products ------------===//
//
// The row-dot plan of the grouped GEMM kernel (decode, no MMA). Each wave
// computes tilesPerWave output columns of its block's routes, `group` at a
// time. Its lanes read runs of kLoad consecutive k of a weight row side by
// side, so that one load of the wave is one contiguous stretch of the row;
// each lane multiplies its runs with the same k of the routes' A rows in
// f32, and gpu.subgroup_reduce adds the lanes' sums. A step is `unroll` runs
// of each row of a group; the loads of the next step (the next k, or the
// next group's first) are issued before the current step's multiply-adds.
// The routes of a block are taken `rowGroup` at a time; the passes end after
// the block's last route (found by the wave at once), and a pass without a
// route is skipped. With `slices` > 1, the waves of slice s take the s-th
// part of each row's runs, and their sums meet in LDS.
//
// With sum_routes a block is a token: a lane's runs stream the k weight
// rows of a column (each of its route's expert) as one row of k x K
// against the token's k A rows, each run scaled by its route's weight, so
// that one sum over the wave is the combined output.
//
//===----------------------------------------------------------------------===//

#include "GroupedMatmulEmitter.h"
#include "moe/Conversion/ActivationMath.h"
#include "moe/Conversion/PackedFp4.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::moe;

/// The passes over the block's routes, each the pipelined loop over this
/// wave's columns.
void GroupedMatmulEmitter::emitRowDot() {
  vecType = VectorType::get({plan.kLoad}, element);
  zeroVec = arith::ConstantOp::create(
      b, DenseElementsAttr::get(vecType, b.getZeroAttr(element)));
  wVecType = VectorType::get({plan.kLoad}, wElement);
  if (packedFp4()) {
    wVecType = VectorType::get({plan.kLoad / 2}, b.getI8Type());
    wPacked = packedWeightBase();
  }
  // Runs start at multiples of kLoad: aligned to their size, up to the 16
  // bytes of the host ABI, when K is a multiple of kLoad (checked). (A
  // bf16 run against 16 fp8 weights is 32 bytes.)
  auto runAlign = [&](Type type) {
    return b.getI64IntegerAttr(
        std::min<int64_t>(16, plan.kLoad * type.getIntOrFloatBitWidth() / 8));
  };
  align = runAlign(element);
  wAlign = runAlign(wElement);
  Value waveCol = arith::AddIOp::create(
      b, arith::MulIOp::create(b, colTile, idx(plan.blockN)),
      arith::MulIOp::create(b, wave, idx(plan.tilesPerWave)));
  if (sumRoutes) {
    // One pass: the token (inside the call, from the live guard).
    Value always = arith::ConstantIntOp::create(b, b.getI1Type(), 1);
    emitRowDotLoop({{blockRow, always, blockRow}}, waveCol);
    return;
  }
  auto passes =
      scf::ForOp::create(b, zero, rowDotPassEnd(), idx(plan.rowGroup));
  b.setInsertionPointToStart(passes.getBody());
  SmallVector<PassRoute> routes;
  Value any;
  for (int64_t j = 0; j < plan.rowGroup; ++j) {
    auto [r, valid] =
        route(arith::AddIOp::create(b, passes.getInductionVar(), idx(j)));
    Value aRow =
        tokenRows ? arith::DivUIOp::create(b, r, idx(topK)).getResult() : r;
    routes.push_back({r, valid, arith::SelectOp::create(b, valid, aRow, zero)});
    any = any ? arith::OrIOp::create(b, any, valid).getResult() : valid;
  }
  auto ifAny = scf::IfOp::create(b, any, /*withElseRegion=*/false);
  b.setInsertionPointToStart(&ifAny.getThenRegion().front());
  emitRowDotLoop(routes, waveCol);
}

/// One past the block's last slot that holds a route: each lane loads the
/// slots lane, lane + waveSize, ... and the wave takes the maximum. At decode
/// a block holds one or two routes and the rest is padding, which the passes
/// would otherwise load and test one slot after another.
Value GroupedMatmulEmitter::rowDotPassEnd() {
  Type i32 = b.getI32Type();
  Value end = arith::ConstantIntOp::create(b, i32, 0);
  for (int64_t first = 0; first < plan.blockM; first += chip.waveSize) {
    Value slot = arith::AddIOp::create(b, lane, idx(first));
    Value inBlock = lt(slot, idx(plan.blockM));
    Value valid =
        route(arith::SelectOp::create(b, inBlock, slot, zero).getResult())
            .second;
    Value after = arith::IndexCastOp::create(
        b, i32, arith::AddIOp::create(b, slot, idx(1)));
    Value mine =
        arith::SelectOp::create(b, arith::AndIOp::create(b, inBlock, valid),
                                after, arith::ConstantIntOp::create(b, i32, 0));
    end = arith::MaxSIOp::create(b, end, mine);
  }
  end = gpu::SubgroupReduceOp::create(b, end, gpu::AllReduceOperation::MAXSI,
                                      /*uniform=*/true);
  return arith::IndexCastOp::create(b, b.getIndexType(), end);
}

/// The `group` consecutive indices of group `chunk` of this wave, from
/// `waveFirst`: output columns (row_dot) or 16-row tiles (mma_row_dot).
SmallVector<Value> GroupedMatmulEmitter::rowDotGroup(Value waveFirst,
                                                     Value chunk) {
  Value first = arith::AddIOp::create(
      b, waveFirst, arith::MulIOp::create(b, chunk, idx(plan.group)));
  SmallVector<Value> items;
  for (int64_t c = 0; c < plan.group; ++c)
    items.push_back(arith::AddIOp::create(b, first, idx(c)));
  return items;
}

/// This lane's first k of unrolled run `u` of step `step` along the
/// streamed row (K, or k x K with sum_routes).
Value GroupedMatmulEmitter::rowDotRunK(Value step, int64_t u) {
  int64_t kIters = rowDotKIters();
  Value firstRun = arith::MulIOp::create(
      b, arith::RemUIOp::create(b, step, idx(kIters)), idx(plan.unroll));
  if (plan.slices > 1) // this slice's part of the runs
    firstRun = arith::AddIOp::create(
        b, arith::MulIOp::create(b, slice, idx(kIters * plan.unroll)),
        firstRun);
  Value run = arith::AddIOp::create(b, firstRun, idx(u));
  return arith::AddIOp::create(
      b, arith::MulIOp::create(b, run, idx(chip.waveSize * plan.kLoad)),
      arith::MulIOp::create(b, lane, idx(plan.kLoad)));
}

/// sum_routes: the route of the streamed k (k x K long) and the k within
/// its rows; past the end, route 0 and k 0.
GroupedMatmulEmitter::SummedRun GroupedMatmulEmitter::summedRun(Value k) {
  Value valid = lt(k, idx(streamDepth()));
  Value safe = arith::SelectOp::create(b, valid, k, zero);
  return {arith::DivUIOp::create(b, safe, idx(depth)),
          arith::RemUIOp::create(b, safe, idx(depth)), valid};
}

/// sum_routes: `value` (i32 or f32) of lane j, the lane that holds route j.
Value GroupedMatmulEmitter::laneOfRoute(Value value, Value j) {
  Type i32 = b.getI32Type();
  return gpu::ShuffleOp::create(
             b, value, arith::IndexCastOp::create(b, i32, j),
             arith::ConstantIntOp::create(b, i32, chip.waveSize),
             gpu::ShuffleMode::IDX)
      .getShuffleResult();
}

/// The runs of step `step`: per unrolled run, the weight rows of each chain
/// (gate of each column of the group, then up), then the routes' A rows.
/// Lanes of the last round past K, and columns past the output, read row 0
/// and k 0; the k tail is zeroed. With sum_routes the weight rows are
/// those of the run's route's expert (expert 0 and zero A for an id
/// outside [0, E)), and the A row is the route's.
SmallVector<Value>
GroupedMatmulEmitter::loadRowDotStep(ArrayRef<PassRoute> routes, Value waveCol,
                                     Value step) {
  int64_t kIters = rowDotKIters();
  int64_t round = chip.waveSize * plan.kLoad;
  bool tail = plan.runsPerLane * round != streamDepth();
  Value chunk = arith::DivUIOp::create(b, step, idx(kIters));
  SmallVector<Value> rows, upRows;
  for (Value col : rowDotGroup(waveCol, chunk)) {
    Value safe = arith::SelectOp::create(b, lt(col, idx(outCols)), col, zero);
    auto [gateRow, upRow] = weightRowsOf(safe);
    rows.push_back(gateRow);
    if (upRow)
      upRows.push_back(upRow);
  }
  rows.append(upRows);
  SmallVector<Value> runs;
  for (int64_t u = 0; u < plan.unroll; ++u) {
    Value k = rowDotRunK(step, u);
    Value kValid, runExpert = expert;
    SmallVector<Value> aRows;
    for (const PassRoute &r : routes)
      aRows.push_back(r.aRow);
    Value aValid;
    if (sumRoutes) {
      SummedRun run = summedRun(k);
      k = run.k;
      Value id = laneOfRoute(laneExpert, run.route);
      aValid = arith::AndIOp::create(
          b, run.valid,
          arith::CmpIOp::create(
              b, arith::CmpIPredicate::sge, id,
              arith::ConstantIntOp::create(b, id.getType(), 0)));
      runExpert = arith::SelectOp::create(
          b, aValid, arith::IndexCastOp::create(b, b.getIndexType(), id), zero);
      if (tail)
        kValid = run.valid;
      aRows = {arith::AddIOp::create(
          b, arith::MulIOp::create(b, routes[0].aRow, idx(topK)), run.route)};
    } else if (tail) {
      kValid = lt(k, idx(depth));
      k = arith::SelectOp::create(b, kValid, k, zero);
      aValid = kValid;
    }
    auto load = [&](VectorType type, IntegerAttr alignment, Value base,
                    ValueRange indices, Value valid) {
      Value v = vector::LoadOp::create(b, type, base, indices,
                                       /*nontemporal=*/false, alignment);
      runs.push_back(masked(v, valid));
    };
    for (Value row : rows) {
      if (packedFp4())
        runs.push_back(masked(loadPackedFp4Run(runExpert, row, k), kValid));
      else
        load(wVecType, wAlign, w, ValueRange{runExpert, row, k}, kValid);
    }
    for (Value aRow : aRows)
      load(vecType, align, a, ValueRange{aRow, k}, aValid);
    // Quantized operands: the scale of each run (a run lies in one scale
    // group: checkRowDotPlan), weight rows then A rows.
    if (wScales)
      for (Value row : rows)
        runs.push_back(scaleAt(wScales, wQuant, ValueRange{runExpert, row, k}));
    if (aScales)
      for (Value aRow : aRows)
        runs.push_back(scaleAt(aScales, aQuant, ValueRange{aRow, k}));
  }
  return runs;
}

/// A run in f32. Packed fp4 weights by their bits (widenPackedFp4, times
/// 2^-14, which the run's sum undoes); OCP fp8 on NVIDIA goes through the
/// hardware's exact pairwise conversion to f16 (cvt.rn.f16x2.e4m3x2, sm_89 and
/// later; NaN stays NaN), then f16 to f32; other fp8 through the integer
/// expansion of moe-expand-small-float-conversions.
Value GroupedMatmulEmitter::widenRun(Value run, VectorType f32Type) {
  auto type = cast<VectorType>(run.getType());
  Type elem = type.getElementType();
  if (elem.isInteger(8)) // packed fp4 weights
    return widenPackedFp4(b, run);
  if (chip.vendor != GPUVendor::NVIDIA || !isa<Float8E4M3FNType>(elem) ||
      type.getNumElements() % 2 != 0)
    return arith::ExtFOp::create(b, f32Type, run);
  int64_t n = type.getNumElements();
  Value bytes =
      arith::BitcastOp::create(b, VectorType::get({n}, b.getI8Type()), run);
  auto pairType = VectorType::get({2}, b.getI8Type());
  auto halfPair = VectorType::get({2}, b.getF16Type());
  SmallVector<Value> halves;
  for (int64_t i = 0; i < n; i += 2) {
    Value pair = vector::FromElementsOp::create(
        b, pairType,
        ValueRange{vector::ExtractOp::create(b, bytes, i),
                   vector::ExtractOp::create(b, bytes, i + 1)});
    Value converted = NVVM::ConvertF8x2ToF16x2Op::create(b, halfPair, pair,
                                                         /*relu=*/false, elem);
    halves.push_back(vector::ExtractOp::create(b, converted, 0));
    halves.push_back(vector::ExtractOp::create(b, converted, 1));
  }
  Value wide = vector::FromElementsOp::create(
      b, VectorType::get({n}, b.getF16Type()), halves);
  return arith::ExtFOp::create(b, f32Type, wide);
}

/// Values a row-dot run carries per unrolled step: the weight rows' and A
/// rows' vectors, then the scales of quantized operands.
static int64_t rowDotRunValues(int64_t chains, int64_t aRows, bool wScaled,
                               bool aScaled) {
  return chains + aRows + (wScaled ? chains : 0) + (aScaled ? aRows : 0);
}

/// The loop over the wave's steps (groups x k iterations), the next step's
/// runs loaded before the current step's f32 multiply-adds; after a group's
/// last step its sums go over the wave and to the epilogue.
void GroupedMatmulEmitter::emitRowDotLoop(ArrayRef<PassRoute> routes,
                                          Value waveCol) {
  int64_t chains = plan.chains(), kIters = rowDotKIters();
  int64_t steps = plan.tilesPerWave / plan.group * kIters;
  int64_t nA = static_cast<int64_t>(routes.size());
  int64_t perRun = rowDotRunValues(chains, nA, static_cast<bool>(wScales),
                                   static_cast<bool>(aScales));
  int64_t sums = chains * nA;
  auto multiply = [&](Value s, ValueRange current, SmallVector<Value> &acc) {
    auto accType = VectorType::get({plan.kLoad}, b.getF32Type());
    for (int64_t u = 0; u < plan.unroll; ++u) {
      ValueRange run = current.slice(u * perRun, perRun);
      SmallVector<Value> wide;
      for (int64_t i = 0; i < chains + nA; ++i)
        wide.push_back(widenRun(run[i], accType));
      // sum_routes: the A run times its route's weight.
      if (sumRoutes) {
        Value scale = laneOfRoute(laneScale, summedRun(rowDotRunK(s, u)).route);
        wide[chains] = arith::MulFOp::create(
            b, wide[chains], vector::BroadcastOp::create(b, accType, scale));
      }
      // Quantized operands: the run's products summed on their own, then
      // scaled by the run's weight and A scales.
      ValueRange wScale = run.slice(chains + nA, wScales ? chains : 0);
      ValueRange aScale =
          run.slice(chains + nA + wScale.size(), aScales ? nA : 0);
      Value zeroF32 = arith::ConstantOp::create(b, b.getF32FloatAttr(0.0));
      for (int64_t j = 0; j < nA; ++j)
        for (int64_t i = 0; i < chains; ++i) {
          bool scaled = wScales || aScales;
          Value sum = scaled ? zeroF32 : acc[j * chains + i];
          for (int64_t e = 0; e < plan.kLoad; ++e)
            sum = math::FmaOp::create(
                b, vector::ExtractOp::create(b, wide[i], e),
                vector::ExtractOp::create(b, wide[chains + j], e), sum);
          if (!scaled) {
            acc[j * chains + i] = sum;
            continue;
          }
          Value scale = wScales ? wScale[i] : aScale[j];
          if (wScales && aScales)
            scale = arith::MulFOp::create(b, wScale[i], aScale[j]);
          // fp4 runs were widened times 2^-14: the sum back to scale first
          // (an E8M0 scale times 2^14 could pass f32's range).
          if (packedFp4())
            sum = arith::MulFOp::create(
                b, sum,
                arith::ConstantOp::create(b,
                                          b.getF32FloatAttr(kPackedFp4Scale)));
          acc[j * chains + i] =
              math::FmaOp::create(b, sum, scale, acc[j * chains + i]);
        }
    }
  };
  // The end of a group: its sums over the wave, the slices', the epilogue.
  auto finishGroup = [&](Value s, ArrayRef<Value> acc) {
    SmallVector<Value> total;
    for (Value mine : acc)
      total.push_back(gpu::SubgroupReduceOp::create(
          b, mine, gpu::AllReduceOperation::ADD, /*uniform=*/true));
    SmallVector<Value> cols =
        rowDotGroup(waveCol, arith::DivUIOp::create(b, s, idx(kIters)));
    emitSlicesEpilogue(total, /*perLane=*/false, [&](ArrayRef<Value> added) {
      emitRowDotEpilogue(routes, added, cols);
    });
  };
  emitRowDotSteps(
      steps, kIters, sums,
      [&](Value step) { return loadRowDotStep(routes, waveCol, step); },
      multiply, finishGroup);
}

SmallVector<Value>
GroupedMatmulEmitter::summedRouteBiases(ArrayRef<Value> cols) {
  // Lane j < k holds route j's expert (-1 for none) and weight (0 then).
  Value zeroF = arith::ConstantOp::create(b, b.getF32FloatAttr(0.0));
  Value has = arith::CmpIOp::create(
      b, arith::CmpIPredicate::sge, laneExpert,
      arith::ConstantIntOp::create(b, laneExpert.getType(), 0));
  Value e = arith::SelectOp::create(
      b, has, arith::IndexCastOp::create(b, b.getIndexType(), laneExpert),
      zero);
  SmallVector<Value> sums;
  for (Value col : cols) {
    Value inside = lt(col, idx(outCols));
    Value safe = arith::SelectOp::create(b, inside, col, zero);
    Value mine = arith::MulFOp::create(b, laneScale, biasAt(e, safe));
    mine = arith::SelectOp::create(b, arith::AndIOp::create(b, has, inside),
                                   mine, zeroF);
    sums.push_back(gpu::SubgroupReduceOp::create(
        b, mine, gpu::AllReduceOperation::ADD, /*uniform=*/true));
  }
  return sums;
}

/// Every lane holds the sums; lane 0 adds the expert bias, applies the
/// routed weight and the gated activation and stores the route's columns
/// inside the output. With sum_routes the routes' weighted biases are
/// summed over the wave first (summedRouteBiases).
void GroupedMatmulEmitter::emitRowDotEpilogue(ArrayRef<PassRoute> routes,
                                              ArrayRef<Value> sums,
                                              ArrayRef<Value> cols) {
  int64_t chains = plan.chains();
  SmallVector<Value> routeBiases;
  if (bias && sumRoutes)
    routeBiases = summedRouteBiases(cols);
  auto first = scf::IfOp::create(
      b, arith::CmpIOp::create(b, arith::CmpIPredicate::eq, lane, zero),
      /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&first.getThenRegion().front());
  for (auto [j, r] : llvm::enumerate(routes)) {
    auto ifValid = scf::IfOp::create(b, r.valid, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(&ifValid.getThenRegion().front());
    Value scale;
    if (weights && !sumRoutes) // sum_routes: applied per run
      scale = memref::LoadOp::create(
          b, weights,
          ValueRange{arith::DivUIOp::create(b, r.route, idx(topK)),
                     arith::RemUIOp::create(b, r.route, idx(topK))});
    for (auto [c, col] : llvm::enumerate(cols)) {
      auto inside = scf::IfOp::create(b, lt(col, idx(outCols)),
                                      /*withElseRegion=*/false);
      OpBuilder::InsertionGuard store(b);
      b.setInsertionPointToStart(&inside.getThenRegion().front());
      Value g = sums[j * chains + c];
      Value u = act ? sums[j * chains + plan.group + c] : Value();
      if (bias && sumRoutes) {
        g = arith::AddFOp::create(b, g, routeBiases[c]);
      } else if (bias) {
        auto [gateRow, upRow] = weightRowsOf(col);
        g = arith::AddFOp::create(b, g, biasAt(expert, gateRow));
        if (u)
          u = arith::AddFOp::create(b, u, biasAt(expert, upRow));
      }
      if (scale) {
        g = arith::MulFOp::create(b, g, scale);
        if (u)
          u = arith::MulFOp::create(b, u, scale);
      }
      Value result = act ? emitGatedActivationF32(b, act, g, u) : g;
      if (!outElement.isF32())
        result = arith::TruncFOp::create(b, outElement, result);
      memref::StoreOp::create(b, result, out, ValueRange{r.route, col});
    }
  }
}
