//===- MMARowDotStaged.cpp - fp8 mma_row_dot runs staged through LDS ------===//
//
// The step loop of a staged fp8 mma_row_dot plan (plan.staging): each lane
// copies its weight and A runs of a step into its private LDS slots with
// cp.async (StagedLoads.h, emitStagedSteps), `stages - 1` steps ahead, and
// reads them back when the step's MMAs run, so that several steps of loads
// are in flight without holding registers. The step's scales (a few f32 a lane)
// are loaded into registers one step ahead.
//
//===----------------------------------------------------------------------===//

#include "GroupedMatmulEmitter.h"
#include "StagedLoads.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::moe;

void GroupedMatmulEmitter::emitStagedMMARowDotSteps(
    ArrayRef<PassRoute> aRoutes, ArrayRef<PassRoute> outRoutes, Value waveTile,
    int64_t sums,
    function_ref<void(Value step, ArrayRef<Value> acc)> finishGroup) {
  int64_t kIters = mmaRowDotKIters();
  int64_t steps = plan.tilesPerWave / plan.group * kIters;
  int64_t stages = plan.staging->stages;
  int64_t rowsPerRun = plan.group * 2, nTiles = plan.routeTiles();
  std::unique_ptr<StagedLoads> loads =
      StagedLoads::create(chip, *plan.staging, stageBuffers, waveId, lane);
  // Slots: per unrolled run, the weight rows, then the route tiles' A runs.
  auto issue = [&](Value s, int64_t stage) {
    SmallVector<Value> rows = mmaRowDotStepRows(waveTile, s);
    for (int64_t u = 0; u < plan.unroll; ++u) {
      Value k = mmaRowDotRunK(s, u).first;
      for (auto [i, row] : llvm::enumerate(rows))
        loads->copy(b, stage, u * rowsPerRun + i, w, ValueRange{expert, row, k},
                    /*streaming=*/true);
      for (auto [j, r] : llvm::enumerate(aRoutes))
        loads->copy(b, stage, plan.unroll * rowsPerRun + u * nTiles + j, a,
                    ValueRange{r.aRow, k}, /*streaming=*/false);
    }
    loads->endStep(b);
  };
  // The runs of step `s` from `stage`, masked past K and past the routes.
  auto read = [&](Value s, int64_t stage) {
    SmallVector<Value> runs;
    for (int64_t u = 0; u < plan.unroll; ++u) {
      Value kValid = mmaRowDotRunK(s, u).second;
      for (int64_t i = 0; i < rowsPerRun; ++i)
        runs.push_back(
            masked(loads->read(b, stage, u * rowsPerRun + i), kValid));
    }
    for (int64_t u = 0; u < plan.unroll; ++u) {
      Value kValid = mmaRowDotRunK(s, u).second;
      for (auto [j, r] : llvm::enumerate(aRoutes))
        runs.push_back(masked(
            loads->read(b, stage, plan.unroll * rowsPerRun + u * nTiles + j),
            arith::AndIOp::create(b, r.valid, kValid)));
    }
    return runs;
  };
  auto loadScales = [&](Value s) {
    return loadMMARowDotStep(waveTile, s, aRoutes, outRoutes,
                             /*scalesOnly=*/true);
  };
  Value zeroF = arith::ConstantOp::create(b, b.getF32FloatAttr(0.0));
  // After step s's wait (emitStagedSteps): load the next step's scales,
  // multiply step s and, after a group's last k step, hand its sums to
  // finishGroup. The state is the sums, then the step's scales.
  auto body = [&](Value s, int64_t stage, ArrayRef<Value> state) {
    SmallVector<Value> acc(state.take_front(sums));
    ArrayRef<Value> scales = state.drop_front(sums);
    Value next = arith::AddIOp::create(b, s, idx(1));
    SmallVector<Value> nextScales;
    if (!scales.empty()) {
      auto ifNext =
          scf::IfOp::create(b, ValueRange(scales).getTypes(),
                            lt(next, idx(steps)), /*withElseRegion=*/true);
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(&ifNext.getThenRegion().front());
      scf::YieldOp::create(b, loadScales(next));
      b.setInsertionPointToStart(&ifNext.getElseRegion().front());
      scf::YieldOp::create(b, SmallVector<Value>(scales.size(), zeroF));
      nextScales.assign(ifNext.getResults().begin(), ifNext.getResults().end());
    }
    SmallVector<Value> current = read(s, stage);
    llvm::append_range(current, scales);
    multiplyFp8MMARowDot(current, acc);
    SmallVector<Value> after = emitRowDotGroupEnd(s, kIters, acc, finishGroup);
    llvm::append_range(after, nextScales);
    return after;
  };
  emitStagedSteps(
      b, *loads, stages, steps, issue,
      [&] {
        SmallVector<Value> inits(sums, zeroF);
        llvm::append_range(inits, loadScales(zero));
        return inits;
      },
      body);
}
