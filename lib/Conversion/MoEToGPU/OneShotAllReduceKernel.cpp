//===- OneShotAllReduceKernel.cpp - fused all_reduce + RMSNorm kernel -----===//
//
// The one-shot kernel of moe.all_reduce_add_rms_norm and its plan
// (OneShotAllReduce.h has the protocol). A workgroup takes one row at a
// time:
//   1. epoch e = its last flag of the row to itself + 1; it copies its x row
//      into buffer e % 2 of its workspace;
//   2. (AMD: each thread fences its stores, release, system scope)
//      barrier; thread p stores e (release, system scope) into rank p's flag
//      (row, this rank), then waits (acquire, system scope) until this
//      rank's flag (row, p) reaches e; barrier;
//   3. every rank's row summed in rank order in f32, rounded to the element
//      type (the all_reduce), plus the residual, rounded (residual_out),
//      squares summed over the workgroup (subgroup reduce, then LDS);
//   4. normed = residual_out * rsqrt(mean + eps) * (weight + offset).
// Two stages (groups of 4+ ranks, messages past plan.twoStageFromBytes):
// each row has an owner, rank (w + k) % size for the k-th row of workgroup
// w, so that every workgroup owns a size-th of its rows. In step 2 thread 0
// flags only the owner; the owner waits for every rank's flag, the others
// for the owner's. In step 3 the owner sums as above and stores the rounded
// sum over its own row in its workspace (only it reads that row); the
// others load that sum instead. After step 3 the owner flags the others
// (release, after each thread's fence on AMD), and the others store the
// epoch into their own flag. The owner's buffer e % 2 is rewritten at
// epoch e + 2 at the earliest, after every rank has flagged epoch e + 1,
// that is after they read the sum. Flags between two non-owners are not
// advanced in this mode: a one-stage call after 2^31 two-stage calls of the
// same row would misread them (epochs compare by signed difference).
// A wait that sees no peer for 2^26 polls traps: a peer that never comes
// is a launch failure, not a hang.
//
//===----------------------------------------------------------------------===//

#include "OneShotAllReduce.h"

#include "moe/Conversion/CollectiveCalls.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

using namespace mlir;
using namespace mlir::moe;

/// Threads of a one-shot workgroup at most.
static constexpr int64_t kOneShotThreads = 256;
/// Polls of a peer's flag before the kernel traps.
static constexpr int64_t kOneShotPolls = int64_t(1) << 26;

OneShotPlan mlir::moe::planOneShotAllReduce(AllReduceAddRMSNormOp op,
                                            const ChipInfo &chip,
                                            int64_t groupSize) {
  auto type = cast<RankedTensorType>(op.getX().getType());
  int64_t hidden = type.getShape().back();
  int64_t width = 16 / (type.getElementTypeBitWidth() / 8);
  // Two ranks read 2 rows per row either way.
  OneShotPlan plan{kOneShotThreads, 1, chip.computeUnits,
                   groupSize >= 4 ? kTwoStageFromBytes : -1};
  if (!ShapedType::isDynamic(hidden)) {
    if (hidden % width == 0)
      plan.vectorWidth = width;
    // No more waves than the row has runs for.
    int64_t runs = llvm::divideCeil(hidden, plan.vectorWidth);
    plan.threads =
        std::clamp(llvm::alignTo(runs, chip.waveSize), uint64_t(chip.waveSize),
                   uint64_t(kOneShotThreads));
  }
  return plan;
}

Value mlir::moe::callOneShotTable(OpBuilder &builder, Location loc,
                                  AllReduceAddRMSNormOp op, int64_t groupSize,
                                  Value rows, Value rowBytes,
                                  int64_t maxBytes) {
  ImplicitLocOpBuilder b(loc, builder);
  auto module = op->getParentOfType<ModuleOp>();
  Type i64 = b.getI64Type();
  auto callee = module.lookupSymbol<func::FuncOp>(kOneShotTableFunc);
  if (!callee) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    callee =
        func::FuncOp::create(b, kOneShotTableFunc,
                             b.getFunctionType({i64, i64, i64, i64, i64}, i64));
    callee.setPrivate();
  }
  auto toI64 = [&](Value v) {
    return arith::IndexCastOp::create(b, i64, v).getResult();
  };
  return func::CallOp::create(
             b, callee,
             ValueRange{groupNameAddress(b, module, op.getGroup()),
                        arith::ConstantIntOp::create(b, groupSize, 64),
                        toI64(rows), toI64(rowBytes),
                        arith::ConstantIntOp::create(b, maxBytes, 64)})
      .getResult(0);
}

namespace {
/// The emitter of one one-shot kernel: its arguments, plan and helpers.
class OneShotEmitter {
public:
  OneShotEmitter(ImplicitLocOpBuilder &b, AllReduceAddRMSNormOp op,
                 const OneShotPlan &plan, int64_t size, const ChipInfo &chip)
      : b(b), op(op), plan(plan), size(size), waveSize(chip.waveSize),
        fenceEachThread(chip.vendor != GPUVendor::NVIDIA),
        element(op.getX().getType().getElementType()),
        elementBytes(element.getIntOrFloatBitWidth() / 8),
        ptrType(LLVM::LLVMPointerType::get(b.getContext(), 1)) {}

  void emit(gpu::GPUFuncOp func);

private:
  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, v); }
  Value i64(int64_t v) { return arith::ConstantIntOp::create(b, v, 64); }
  Value i32(int64_t v) { return arith::ConstantIntOp::create(b, v, 32); }
  /// not `flag` (i1).
  Value negate(Value flag) {
    return arith::XOrIOp::create(b, flag,
                                 arith::ConstantIntOp::create(b, 1, 1));
  }
  /// The workspace of rank `p` (i64): the table's entry p.
  Value workspaceOf(Value p) {
    return LLVM::IntToPtrOp::create(
        b, ptrType,
        LLVM::LoadOp::create(b, b.getI64Type(),
                             at(table, arith::MulIOp::create(b, p, i64(8))),
                             /*alignment=*/8)
            .getResult());
  }
  Value toI64(Value index) {
    return arith::IndexCastOp::create(b, b.getI64Type(), index);
  }
  /// `base` (a global pointer) plus `bytes` (i64).
  Value at(Value base, Value bytes) {
    return LLVM::GEPOp::create(b, ptrType, b.getI8Type(), base,
                               ValueRange{bytes});
  }
  VectorType runType(Type scalar) {
    return VectorType::get({plan.vectorWidth}, scalar);
  }
  Value widen(Value v) {
    return element.isF32()
               ? v
               : arith::ExtFOp::create(b, runType(b.getF32Type()), v)
                     .getResult();
  }
  Value narrow(Value v) {
    return element.isF32()
               ? v
               : arith::TruncFOp::create(b, runType(element), v).getResult();
  }
  /// A loop over this thread's runs of columns of a row; `body` gets the
  /// first column (index).
  template <typename Body> void forRuns(Value hidden, Body body) {
    Value first =
        arith::MulIOp::create(b, gpu::ThreadIdOp::create(b, gpu::Dimension::x),
                              idx(plan.vectorWidth));
    auto loop = scf::ForOp::create(b, first, hidden,
                                   idx(plan.threads * plan.vectorWidth));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    body(loop.getInductionVar());
  }
  /// Emits the work of row `row`.
  void emitRow(Value row);
  /// Waits until the u32 flag at `flag` reaches `epoch` (acquire, system
  /// scope); traps after kOneShotPolls polls.
  void waitForFlag(Value flag, Value epoch);

  ImplicitLocOpBuilder &b;
  AllReduceAddRMSNormOp op;
  const OneShotPlan &plan;
  int64_t size, waveSize;
  /// Whether every thread fences its row stores (release, system scope)
  /// before the workgroup barrier: on AMD chips the barrier waits for no
  /// store, so the flagging thread's release would not cover the other
  /// waves' stores still in flight. On NVIDIA, bar.sync and st.release.sys
  /// are cumulative (PTX memory model) and the flagging thread's release
  /// covers them.
  bool fenceEachThread;
  Type element;
  int64_t elementBytes;
  Type ptrType;
  // Kernel values.
  Value x, residual, weight, normed, residualOut, sums;
  /// The peer table, this rank's workspace and every rank's (in rank
  /// order), all global pointers.
  Value table, mine;
  SmallVector<Value> workspaces;
  /// i64: the row's bytes and the table's entries; index: the hidden size.
  Value rowBytes, rank, flagBytes, bufferBytes, hidden;
  /// i1: whether this call runs in two stages (plan.twoStageFromBytes).
  Value twoStage;
  /// index: the workgroups of the launch (the grid-stride loop's step).
  Value grid;
};
} // namespace

void OneShotEmitter::waitForFlag(Value flag, Value epoch) {
  Type i32Type = b.getI32Type(), i64Type = b.getI64Type();
  scf::WhileOp::create(
      b, TypeRange{i64Type}, ValueRange{i64(0)},
      [&](OpBuilder &nested, Location loc, ValueRange polls) {
        ImplicitLocOpBuilder nb(loc, nested);
        Value seen = LLVM::LoadOp::create(
            nb, i32Type, flag, /*alignment=*/4, /*isVolatile=*/false,
            /*isNonTemporal=*/false, /*isInvariant=*/false,
            /*isInvariantGroup=*/false, LLVM::AtomicOrdering::acquire);
        // Epochs wrap around: compare their difference.
        Value behind =
            arith::CmpIOp::create(nb, arith::CmpIPredicate::slt,
                                  arith::SubIOp::create(nb, seen, epoch),
                                  arith::ConstantIntOp::create(nb, 0, 32));
        scf::ConditionOp::create(nb, behind, polls);
      },
      [&](OpBuilder &nested, Location loc, ValueRange polls) {
        ImplicitLocOpBuilder nb(loc, nested);
        Value next = arith::AddIOp::create(
            nb, polls[0], arith::ConstantIntOp::create(nb, 1, 64));
        auto giveUp = scf::IfOp::create(
            nb,
            arith::CmpIOp::create(
                nb, arith::CmpIPredicate::sge, next,
                arith::ConstantIntOp::create(nb, kOneShotPolls, 64)),
            /*withElseRegion=*/false);
        {
          OpBuilder::InsertionGuard guard(nb);
          nb.setInsertionPointToStart(&giveUp.getThenRegion().front());
          LLVM::Trap::create(nb);
        }
        scf::YieldOp::create(nb, next);
      });
}

void OneShotEmitter::emitRow(Value row) {
  Type i32Type = b.getI32Type();
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value rowI64 = toI64(row);
  Value sizeI64 = i64(size);
  // Flag (row, from) of the workspace at `base`.
  auto flagOf = [&](Value base, Value from) {
    Value slot = arith::AddIOp::create(
        b, arith::MulIOp::create(b, rowI64, sizeI64), from);
    return at(base, arith::MulIOp::create(b, slot, i64(4)));
  };
  // Step 1: the epoch (every thread reads it before any thread writes it,
  // which happens after the barrier below) and this rank's row published.
  Value last =
      LLVM::LoadOp::create(b, i32Type, flagOf(mine, rank), /*alignment=*/4);
  Value epoch = arith::AddIOp::create(b, last, i32(1));
  Value parity = arith::ExtUIOp::create(
      b, b.getI64Type(), arith::AndIOp::create(b, epoch, i32(1)));
  Value rowStart = arith::AddIOp::create(
      b,
      arith::AddIOp::create(b, flagBytes,
                            arith::MulIOp::create(b, parity, bufferBytes)),
      arith::MulIOp::create(b, rowI64, rowBytes));
  IntegerAttr runAlign = b.getI64IntegerAttr(plan.vectorWidth * elementBytes);
  unsigned align = plan.vectorWidth * elementBytes;
  auto columnBytes = [&](Value col) {
    return arith::AddIOp::create(
        b, rowStart, arith::MulIOp::create(b, toI64(col), i64(elementBytes)));
  };
  forRuns(hidden, [&](Value col) {
    Value v =
        vector::LoadOp::create(b, runType(element), x, ValueRange{row, col},
                               /*nontemporal=*/false, runAlign);
    LLVM::StoreOp::create(b, v, at(mine, columnBytes(col)), align);
  });
  if (fenceEachThread)
    LLVM::FenceOp::create(b, LLVM::AtomicOrdering::release);
  gpu::BarrierOp::create(b);
  // Step 2, one stage: thread p flags rank p, then waits for rank p's flag.
  // Two stages: thread 0 flags the row's owner (see below); the owner
  // waits for every rank's flag, the others for the owner's (its sum).
  // The owner of the k-th row of workgroup w (row w + k * grid) is rank
  // (w + k) % size: each workgroup reduces every size-th of its rows and
  // reads the others' sums, whatever the grid (row % size would give a
  // workgroup all its rows or none when size divides the grid).
  // (Separate statements: the order of the ops must not depend on the C++
  // compiler's order of evaluating arguments.)
  Value k = toI64(arith::DivUIOp::create(b, row, grid));
  Value w = toI64(arith::RemUIOp::create(b, row, grid));
  Value owner =
      arith::RemUIOp::create(b, arith::AddIOp::create(b, w, k), sizeI64);
  Value isOwner =
      arith::CmpIOp::create(b, arith::CmpIPredicate::eq, owner, rank);
  Value sumsHere = arith::OrIOp::create(b, negate(twoStage), isOwner);
  auto ifThen = [&](Value condition, function_ref<void()> body) {
    auto branch = scf::IfOp::create(b, condition, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&branch.getThenRegion().front());
    body();
  };
  auto flagPeer = [&](Value p) {
    LLVM::StoreOp::create(b, epoch, flagOf(workspaceOf(p), rank),
                          /*alignment=*/4, /*isVolatile=*/false,
                          /*isNonTemporal=*/false, /*isInvariantGroup=*/false,
                          LLVM::AtomicOrdering::release);
  };
  Value tidI64 = toI64(tid);
  Value peerThread =
      arith::CmpIOp::create(b, arith::CmpIPredicate::ult, tid, idx(size));
  Value firstThread =
      arith::CmpIOp::create(b, arith::CmpIPredicate::eq, tid, idx(0));
  ifThen(arith::AndIOp::create(b, peerThread, negate(twoStage)),
         [&] { flagPeer(tidI64); });
  ifThen(arith::AndIOp::create(b, firstThread, twoStage),
         [&] { flagPeer(owner); });
  ifThen(arith::AndIOp::create(b, peerThread, sumsHere),
         [&] { waitForFlag(flagOf(mine, tidI64), epoch); });
  ifThen(arith::AndIOp::create(b, firstThread, negate(sumsHere)),
         [&] { waitForFlag(flagOf(mine, owner), epoch); });
  gpu::BarrierOp::create(b);
  Value ownerBase = workspaceOf(owner);
  // Step 3: the sum in rank order, rounded once; residual_out.
  Type f32 = b.getF32Type();
  Value zeros = arith::ConstantOp::create(
      b, DenseElementsAttr::get(runType(f32), b.getF32FloatAttr(0.0)));
  Value squares;
  {
    Value first = arith::MulIOp::create(b, tid, idx(plan.vectorWidth));
    auto loop = scf::ForOp::create(b, first, hidden,
                                   idx(plan.threads * plan.vectorWidth), zeros);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value col = loop.getInductionVar();
    Value offset = columnBytes(col);
    // The sum in rank order, rounded once: here, or (two stages, not the
    // owner) the owner's, from its workspace.
    auto reduce = scf::IfOp::create(b, runType(f32), sumsHere,
                                    /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(&reduce.getThenRegion().front());
      SmallVector<Value> parts;
      for (Value base : workspaces)
        parts.push_back(
            LLVM::LoadOp::create(b, runType(element), at(base, offset), align));
      Value sum = zeros;
      for (Value part : parts)
        sum = arith::AddFOp::create(b, sum, widen(part));
      Value rounded = narrow(sum);
      // Two stages: the owner publishes the sum in place of its own row,
      // which only it reads.
      ifThen(twoStage, [&] {
        LLVM::StoreOp::create(b, rounded, at(mine, offset), align);
      });
      scf::YieldOp::create(b, widen(rounded));
      b.setInsertionPointToStart(&reduce.getElseRegion().front());
      scf::YieldOp::create(
          b, widen(LLVM::LoadOp::create(b, runType(element),
                                        at(ownerBase, offset), align)));
    }
    Value reduced = reduce.getResult(0);
    Value r = widen(vector::LoadOp::create(b, runType(element), residual,
                                           ValueRange{row, col},
                                           /*nontemporal=*/false, runAlign));
    Value out = narrow(arith::AddFOp::create(b, reduced, r));
    vector::StoreOp::create(b, out, residualOut, ValueRange{row, col},
                            /*nontemporal=*/false, runAlign);
    Value o = widen(out);
    scf::YieldOp::create(
        b, ValueRange{arith::AddFOp::create(b, loop.getRegionIterArgs()[0],
                                            arith::MulFOp::create(b, o, o))});
    squares = loop.getResult(0);
  }
  // Two stages: the owner flags the others (its sum is published); the
  // others record the row's epoch in their own flag.
  Value owns = arith::AndIOp::create(b, twoStage, isOwner);
  if (fenceEachThread)
    ifThen(owns,
           [&] { LLVM::FenceOp::create(b, LLVM::AtomicOrdering::release); });
  gpu::BarrierOp::create(b);
  ifThen(arith::AndIOp::create(
             b, owns,
             arith::AndIOp::create(
                 b, peerThread,
                 arith::CmpIOp::create(b, arith::CmpIPredicate::ne, tidI64,
                                       rank))),
         [&] { flagPeer(tidI64); });
  ifThen(arith::AndIOp::create(b,
                               arith::AndIOp::create(b, twoStage, firstThread),
                               negate(isOwner)),
         [&] {
           LLVM::StoreOp::create(b, epoch, flagOf(mine, rank),
                                 /*alignment=*/4);
         });
  // The workgroup's sum of squares: each wave's, then theirs through LDS.
  Value mineSum =
      vector::ReductionOp::create(b, vector::CombiningKind::ADD, squares);
  Value waveTotal = gpu::SubgroupReduceOp::create(
      b, mineSum, gpu::AllReduceOperation::ADD, /*uniform=*/true);
  Value wave = arith::DivUIOp::create(b, tid, idx(waveSize));
  auto firstLane = scf::IfOp::create(
      b,
      arith::CmpIOp::create(b, arith::CmpIPredicate::eq,
                            arith::RemUIOp::create(b, tid, idx(waveSize)),
                            idx(0)),
      /*withElseRegion=*/false);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&firstLane.getThenRegion().front());
    memref::StoreOp::create(b, waveTotal, sums, ValueRange{wave});
  }
  gpu::BarrierOp::create(b);
  Value total = arith::ConstantOp::create(b, b.getF32FloatAttr(0.0));
  for (int64_t w = 0; w < plan.threads / waveSize; ++w)
    total = arith::AddFOp::create(
        b, total, memref::LoadOp::create(b, sums, ValueRange{idx(w)}));
  // The next row's totals wait until every thread has read these.
  gpu::BarrierOp::create(b);
  Value hiddenF = arith::SIToFPOp::create(b, f32, toI64(hidden));
  Value inv = math::RsqrtOp::create(
      b,
      arith::AddFOp::create(b, arith::DivFOp::create(b, total, hiddenF),
                            arith::ConstantOp::create(b, op.getEpsilonAttr())));
  Value invRun = vector::BroadcastOp::create(b, runType(f32), inv);
  Value offsetRun = vector::BroadcastOp::create(
      b, runType(f32), arith::ConstantOp::create(b, op.getOffsetAttr()));
  // Step 4: residual_out (this thread's own stores) normalized.
  forRuns(hidden, [&](Value col) {
    Value v = widen(vector::LoadOp::create(b, runType(element), residualOut,
                                           ValueRange{row, col},
                                           /*nontemporal=*/false, runAlign));
    Value w =
        arith::AddFOp::create(b,
                              widen(vector::LoadOp::create(
                                  b, runType(element), weight, ValueRange{col},
                                  /*nontemporal=*/false, runAlign)),
                              offsetRun);
    Value y = arith::MulFOp::create(b, arith::MulFOp::create(b, v, invRun), w);
    vector::StoreOp::create(b, narrow(y), normed, ValueRange{row, col},
                            /*nontemporal=*/false, runAlign);
  });
}

void OneShotEmitter::emit(gpu::GPUFuncOp func) {
  x = func.getArgument(0);
  residual = func.getArgument(1);
  weight = func.getArgument(2);
  normed = func.getArgument(3);
  residualOut = func.getArgument(4);
  sums = func.getWorkgroupAttributions().front();
  Type i64Type = b.getI64Type();
  table = LLVM::IntToPtrOp::create(b, ptrType, func.getArgument(5));
  auto entry = [&](Value i) -> Value {
    return LLVM::LoadOp::create(b, i64Type,
                                at(table, arith::MulIOp::create(b, i, i64(8))),
                                /*alignment=*/8);
  };
  for (int64_t p = 0; p < size; ++p)
    workspaces.push_back(LLVM::IntToPtrOp::create(b, ptrType, entry(i64(p))));
  rank = entry(i64(size));
  flagBytes = entry(i64(size + 1));
  bufferBytes = entry(i64(size + 2));
  mine = LLVM::IntToPtrOp::create(b, ptrType, entry(rank));
  hidden = memref::DimOp::create(b, x, 1);
  rowBytes = arith::MulIOp::create(b, toI64(hidden), i64(elementBytes));
  Value rows = memref::DimOp::create(b, x, 0);
  twoStage = plan.twoStageFromBytes < 0
                 ? arith::ConstantIntOp::create(b, 0, 1).getResult()
                 : arith::CmpIOp::create(
                       b, arith::CmpIPredicate::ugt,
                       arith::MulIOp::create(b, toI64(rows), rowBytes),
                       i64(plan.twoStageFromBytes))
                       .getResult();
  // The grid the launch gives (OneShotAllReduceTemplate): gpu.grid_dim
  // would call the device library on AMD chips.
  grid = arith::MinUIOp::create(b, rows, idx(plan.maxWorkgroups));
  auto loop = scf::ForOp::create(
      b, gpu::BlockIdOp::create(b, gpu::Dimension::x), rows, grid);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    emitRow(loop.getInductionVar());
  }
  gpu::ReturnOp::create(b);
}

FailureOr<gpu::GPUFuncOp> mlir::moe::buildOneShotAllReduceKernel(
    OpBuilder &builder, gpu::GPUModuleOp module, AllReduceAddRMSNormOp op,
    const ChipInfo &chip, StringRef name) {
  auto type = cast<RankedTensorType>(op.getX().getType());
  if (type.getRank() != 2)
    return op.emitOpError() << "has no one-shot kernel for rank "
                            << type.getRank() << " yet (expected rank 2)";
  FailureOr<int64_t> size = lookupGroupSize(op, op.getGroup());
  if (failed(size))
    return failure();
  OneShotPlan plan = planOneShotAllReduce(op, chip, *size);
  ImplicitLocOpBuilder b(op.getLoc(), builder);
  auto sumsType = MemRefType::get(
      {plan.threads / chip.waveSize}, b.getF32Type(),
      MemRefLayoutAttrInterface(),
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup));
  auto func = createKernel(b, module, name,
                           {bufferTypeOf(op.getX().getType()),
                            bufferTypeOf(op.getResidual().getType()),
                            bufferTypeOf(op.getWeight().getType()),
                            bufferTypeOf(op.getNormed().getType()),
                            bufferTypeOf(op.getResidualOut().getType()),
                            b.getI64Type()},
                           plan.threads, {sumsType});
  OneShotEmitter(b, op, plan, *size, chip).emit(func);
  return func;
}
