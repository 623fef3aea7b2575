//===- StagedLoads.cpp - per-lane global loads staged through LDS ---------===//
//
// The staging plan, and what the copy families share: where a lane's slot
// is, and how it is read back.
//
//===----------------------------------------------------------------------===//

#include "StagedLoads.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/Support/ErrorHandling.h"

using namespace mlir;
using namespace mlir::moe;

/// The largest copy a lane can start on `chip` that divides `loadBytes`.
static std::optional<int64_t> pieceBytesFor(const ChipInfo &chip,
                                            int64_t loadBytes) {
  for (int64_t s : chip.asyncCopyBytes)
    if (loadBytes % s == 0)
      return s;
  return std::nullopt;
}

/// gfx9's vmcnt counts at most 63 outstanding vector memory instructions.
static constexpr int64_t kMaxVmcnt = 63;

int64_t mlir::moe::maxStagesOf(const ChipInfo &chip, int64_t copiesPerStep) {
  switch (chip.asyncCopy) {
  case AsyncCopyFamily::CpAsync:
    return kMaxStagedSteps;
  case AsyncCopyFamily::GlobalLoadLDS:
    // vmcnt counts instructions: the steps in flight behind the one read.
    return kMaxVmcnt / copiesPerStep + 1;
  }
  llvm_unreachable("unknown async copy family");
}

std::optional<StagingPlan>
mlir::moe::planStagedLoads(const ChipInfo &chip, int64_t elementBytes,
                           int64_t loadElems, int64_t slots, int64_t steps,
                           int64_t waves, int64_t budgetBytes) {
  std::optional<int64_t> pieceBytes =
      pieceBytesFor(chip, elementBytes * loadElems);
  if (!pieceBytes || slots <= 0)
    return std::nullopt;
  StagingPlan plan;
  plan.slots = slots;
  plan.pieceElems = *pieceBytes / elementBytes;
  plan.pieces = loadElems / plan.pieceElems;
  plan.waves = waves;
  plan.waveSize = chip.waveSize;
  int64_t stepBytes = slots * waves * chip.waveSize * loadElems * elementBytes;
  plan.stages = std::min({kMaxStagedSteps, std::max<int64_t>(steps, 2),
                          budgetBytes / stepBytes,
                          maxStagesOf(chip, slots * plan.pieces)});
  if (plan.stages < 2)
    return std::nullopt;
  return plan;
}

std::unique_ptr<StagedLoads> StagedLoads::create(const ChipInfo &chip,
                                                 StagingPlan plan,
                                                 ValueRange buffers, Value wave,
                                                 Value lane) {
  switch (chip.asyncCopy) {
  case AsyncCopyFamily::CpAsync:
    return makeCpAsyncLoads(plan, buffers, wave, lane);
  case AsyncCopyFamily::GlobalLoadLDS:
    return makeGlobalLoadLDSLoads(plan, buffers, wave, lane);
  }
  llvm_unreachable("unknown async copy family");
}

Value StagedLoads::slotBase(ImplicitLocOpBuilder &b, int64_t slot,
                            int64_t piece) {
  auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
  // [slot][piece][wave][lane][elem]
  Value at = arith::AddIOp::create(
      b, idx((slot * plan.pieces + piece) * plan.waves), wave);
  return arith::MulIOp::create(b, at, idx(plan.waveSize * plan.pieceElems));
}

void StagedLoads::copy(ImplicitLocOpBuilder &b, int64_t stage, int64_t slot,
                       Value src, ValueRange indices, bool streaming) {
  auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
  for (int64_t p = 0; p < plan.pieces; ++p) {
    SmallVector<Value> at(indices);
    if (p > 0)
      at.back() = arith::AddIOp::create(b, at.back(), idx(p * plan.pieceElems));
    copyPiece(b, buffers[stage], slotBase(b, slot, p), src, at, streaming);
  }
}

Value StagedLoads::read(ImplicitLocOpBuilder &b, int64_t stage, int64_t slot) {
  auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
  Value buffer = buffers[stage];
  Type element = cast<MemRefType>(buffer.getType()).getElementType();
  Value laneOffset = arith::MulIOp::create(b, lane, idx(plan.pieceElems));
  auto pieceType = VectorType::get({plan.pieceElems}, element);
  IntegerAttr align = b.getI64IntegerAttr(plan.pieceElems *
                                          element.getIntOrFloatBitWidth() / 8);
  Value result;
  for (int64_t p = 0; p < plan.pieces; ++p) {
    Value at = arith::AddIOp::create(b, slotBase(b, slot, p), laneOffset);
    Value piece = vector::LoadOp::create(b, pieceType, buffer, ValueRange{at},
                                         /*nontemporal=*/false, align);
    if (!result) {
      result = piece;
      continue;
    }
    // Append the piece: a shuffle of the two operands' elements in order
    // (vector.shuffle takes operands of one type: widen the piece first).
    int64_t have = cast<VectorType>(result.getType()).getNumElements();
    SmallVector<int64_t> order =
        llvm::to_vector(llvm::seq<int64_t>(0, have + plan.pieceElems));
    if (plan.pieceElems != have) {
      SmallVector<int64_t> widen(have, 0);
      for (int64_t i = 0; i < plan.pieceElems; ++i)
        widen[i] = i;
      piece = vector::ShuffleOp::create(b, piece, piece, widen);
    }
    result = vector::ShuffleOp::create(b, result, piece, order);
  }
  return result;
}

SmallVector<Value> mlir::moe::emitStagedSteps(
    ImplicitLocOpBuilder &b, StagedLoads &loads, int64_t stages, int64_t steps,
    function_ref<void(Value step, int64_t stage)> issue,
    function_ref<SmallVector<Value>()> inits,
    function_ref<SmallVector<Value>(Value step, int64_t stage,
                                    ArrayRef<Value> state)>
        body) {
  auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
  // Step `s` (stage `stage`): copy step s + stages - 1 (when there is one)
  // and wait for step s, then `body`. A step known statically (the tail)
  // waits exactly for itself.
  auto step = [&](Value s, int64_t stage, SmallVector<Value> &state,
                  std::optional<int64_t> staticStep) {
    Value next = arith::AddIOp::create(b, s, idx(stages - 1));
    int64_t nextStage = (stage + stages - 1) % stages;
    if (staticStep) {
      if (*staticStep + stages - 1 < steps) {
        issue(next, nextStage);
        loads.wait(b, stages - 1);
      } else {
        loads.wait(b, steps - 1 - *staticStep);
      }
    } else {
      auto ahead = scf::IfOp::create(
          b,
          arith::CmpIOp::create(b, arith::CmpIPredicate::slt, next, idx(steps)),
          /*withElseRegion=*/true);
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(&ahead.getThenRegion().front());
      issue(next, nextStage);
      loads.wait(b, stages - 1);
      b.setInsertionPointToStart(&ahead.getElseRegion().front());
      loads.wait(b, 0);
    }
    state = body(s, stage, state);
  };
  for (int64_t p = 0; p < std::min(stages - 1, steps); ++p)
    issue(idx(p), p);
  SmallVector<Value> first = inits();
  int64_t rounds = steps / stages;
  auto loop =
      scf::ForOp::create(b, idx(0), idx(rounds * stages), idx(stages), first);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    SmallVector<Value> state(loop.getRegionIterArgs());
    for (int64_t j = 0; j < stages; ++j)
      step(arith::AddIOp::create(b, loop.getInductionVar(), idx(j)), j, state,
           std::nullopt);
    scf::YieldOp::create(b, state);
  }
  SmallVector<Value> state(loop.getResults());
  for (int64_t s = rounds * stages; s < steps; ++s)
    step(idx(s), s % stages, state, s);
  return state;
}
