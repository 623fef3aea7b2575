//===- RowDotSteps.cpp - the pipelined step loop of the row-dot kernels ---===//
//
// What the row-dot kernels (RowDotKernel.cpp, MMARowDotKernel.cpp) share:
// the loop over a wave's steps that loads the next step's runs before
// multiplying the current ones and hands each group's sums to its end, and
// the K slices' sums meeting in LDS.
//
//===----------------------------------------------------------------------===//

#include "GroupedMatmulEmitter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::moe;

void GroupedMatmulEmitter::emitRowDotSteps(
    int64_t steps, int64_t kIters, int64_t sums,
    function_ref<SmallVector<Value>(Value step)> load,
    function_ref<void(Value step, ValueRange runs, SmallVector<Value> &acc)>
        multiply,
    function_ref<void(Value step, ArrayRef<Value> acc)> finishGroup) {
  Value zeroF = arith::ConstantOp::create(b, b.getF32FloatAttr(0.0));
  SmallVector<Value> inits(sums, zeroF);
  llvm::append_range(inits, load(zero));
  auto loop = scf::ForOp::create(b, zero, idx(steps), idx(1), inits);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value s = loop.getInductionVar();
  ValueRange args = loop.getRegionIterArgs();
  SmallVector<Value> acc(args.take_front(sums));
  ValueRange current = args.drop_front(sums);
  // The next step's loads first (zeros past the last step).
  Value next = arith::AddIOp::create(b, s, idx(1));
  auto prefetch = scf::IfOp::create(b, current.getTypes(), lt(next, idx(steps)),
                                    /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(&prefetch.getThenRegion().front());
    scf::YieldOp::create(b, load(next));
    b.setInsertionPointToStart(&prefetch.getElseRegion().front());
    SmallVector<Value> zeros;
    for (Type type : current.getTypes())
      zeros.push_back(zeroVec && type == zeroVec.getType() ? zeroVec
                                                           : zeroOf(type));
    scf::YieldOp::create(b, zeros);
  }
  multiply(s, current, acc);
  SmallVector<Value> yields = emitRowDotGroupEnd(s, kIters, acc, finishGroup);
  llvm::append_range(yields, prefetch.getResults());
  scf::YieldOp::create(b, yields);
}

/// After step `s`, the last of its group (of kIters steps): the sums `acc`
/// to finishGroup, and zeros for the next group; else `acc`.
SmallVector<Value> GroupedMatmulEmitter::emitRowDotGroupEnd(
    Value s, int64_t kIters, ArrayRef<Value> acc,
    function_ref<void(Value step, ArrayRef<Value> acc)> finishGroup) {
  Value zeroF = arith::ConstantOp::create(b, b.getF32FloatAttr(0.0));
  Value last = arith::CmpIOp::create(b, arith::CmpIPredicate::eq,
                                     arith::RemUIOp::create(b, s, idx(kIters)),
                                     idx(kIters - 1));
  auto finish = scf::IfOp::create(b, TypeRange(ValueRange(acc)), last,
                                  /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(&finish.getThenRegion().front());
    finishGroup(s, acc);
    scf::YieldOp::create(b, SmallVector<Value>(acc.size(), zeroF));
    b.setInsertionPointToStart(&finish.getElseRegion().front());
    scf::YieldOp::create(b, acc);
  }
  return SmallVector<Value>(finish.getResults());
}

/// K slices: the sums of each wave of slice s > 0 (lane 0's, or with
/// `perLane` every lane's) go to LDS ([s - 1][wave][sum]([lane])); after a
/// barrier every wave adds them to its own, a second barrier keeps the
/// next group's stores from overwriting them early, and slice 0 applies
/// `epilogue`. Every wave of a workgroup ends a group at the same step, so the
/// barriers are uniform. Without slices, `epilogue` of the sums.
void GroupedMatmulEmitter::emitSlicesEpilogue(
    ArrayRef<Value> sums, bool perLane,
    function_ref<void(ArrayRef<Value> total)> epilogue) {
  if (plan.slices <= 1) {
    epilogue(sums);
    return;
  }
  int64_t n = static_cast<int64_t>(sums.size());
  auto slotOf = [&](Value s, int64_t i) -> Value {
    Value at = arith::AddIOp::create(
        b,
        arith::MulIOp::create(b, arith::SubIOp::create(b, s, idx(1)),
                              idx(plan.wavesN)),
        wave);
    Value value =
        arith::AddIOp::create(b, arith::MulIOp::create(b, at, idx(n)), idx(i));
    if (!perLane)
      return value;
    return arith::AddIOp::create(
        b, arith::MulIOp::create(b, value, idx(chip.waveSize)), lane);
  };
  Value stores =
      arith::CmpIOp::create(b, arith::CmpIPredicate::ne, slice, zero);
  if (!perLane)
    stores = arith::AndIOp::create(
        b, stores,
        arith::CmpIOp::create(b, arith::CmpIPredicate::eq, lane, zero));
  auto ifStore = scf::IfOp::create(b, stores, /*withElseRegion=*/false);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&ifStore.getThenRegion().front());
    for (auto [i, sum] : llvm::enumerate(sums))
      memref::StoreOp::create(b, sum, rowDotPartials,
                              ValueRange{slotOf(slice, i)});
  }
  gpu::BarrierOp::create(b);
  SmallVector<Value> total(sums);
  for (int64_t s = 1; s < plan.slices; ++s)
    for (int64_t i = 0; i < n; ++i)
      total[i] = arith::AddFOp::create(
          b, total[i],
          memref::LoadOp::create(b, rowDotPartials,
                                 ValueRange{slotOf(idx(s), i)}));
  gpu::BarrierOp::create(b);
  auto first = scf::IfOp::create(
      b, arith::CmpIOp::create(b, arith::CmpIPredicate::eq, slice, zero),
      /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&first.getThenRegion().front());
  epilogue(total);
}
