//===- StagedLoads.h - per-lane global loads staged through LDS -*- C++ -*-===//
//
// A k loop that keeps several steps of loads in flight without holding
// registers: each lane copies its own fragments into a private slot of LDS
// with asynchronous copies and reads them back when the step's MMAs run.
// One subclass per AsyncCopyFamily: cp.async (CpAsyncLoads.cpp) and
// global_load_lds (GlobalLoadLDSLoads.cpp). Slots are private, so no barrier
// is needed: a lane (or, on AMD, its wave) waits only for its own copies.
// Each stage has its own buffer and the loop is unrolled by the stage count,
// so every copy and read names its buffer statically; on AMD that is what
// lets LLVM's waitcnt insertion wait for one stage's LDS DMA only (each
// stage is its own LDS object; with one buffer for all stages it waited for
// every copy before each read).
//
//===----------------------------------------------------------------------===//

#ifndef MOE_CONVERSION_MOETOGPU_STAGEDLOADS_H
#define MOE_CONVERSION_MOETOGPU_STAGEDLOADS_H

#include "moe/Target/Chip.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"

#include <memory>
#include <optional>

namespace mlir::moe {

/// How many steps of loads a k loop keeps in flight through LDS.
struct StagingPlan {
  int64_t stages;     ///< steps whose buffers exist (in flight + being read)
  int64_t slots;      ///< loads per lane and step
  int64_t pieces;     ///< copies per load (the chip's largest that fits)
  int64_t pieceElems; ///< elements per copy
  int64_t waves;      ///< waves of the workgroup
  int64_t waveSize;

  /// Elements of one stage's buffer: [slot][piece][wave][lane][elem].
  int64_t bufferElems() const {
    return slots * pieces * waves * waveSize * pieceElems;
  }
};

/// The plan for `slots` loads of `loadElems` elements of `elementBytes`
/// each per lane and step of a loop of `steps` steps, for `waves` waves,
/// within `budgetBytes` of LDS: the most stages (2..kMaxStagedSteps, no more
/// than max(steps, 2), and on AMD no more than vmcnt can count) that fit, or
/// nullopt when two do not fit or no copy has that size.
std::optional<StagingPlan> planStagedLoads(const ChipInfo &chip,
                                           int64_t elementBytes,
                                           int64_t loadElems, int64_t slots,
                                           int64_t steps, int64_t waves,
                                           int64_t budgetBytes);

/// Most steps a staged loop keeps buffers for.
inline constexpr int64_t kMaxStagedSteps = 8;

/// Emits the copies, waits and reads of a plan over `buffers` (one 1-D
/// workgroup memref of bufferElems() elements per stage) for the lane
/// `lane` of wave `wave`.
class StagedLoads {
public:
  virtual ~StagedLoads() = default;

  /// The loads of `chip`'s AsyncCopyFamily.
  static std::unique_ptr<StagedLoads> create(const ChipInfo &chip,
                                             StagingPlan plan,
                                             ValueRange buffers, Value wave,
                                             Value lane);

  /// Starts copying this lane's loadElems elements at `src[indices]` (the
  /// last index runs along contiguous memory) into slot `slot` of `stage`.
  /// `streaming` data skips L1 where the chip allows.
  void copy(ImplicitLocOpBuilder &b, int64_t stage, int64_t slot, Value src,
            ValueRange indices, bool streaming);
  /// Closes the copies started since the last call into one step. The
  /// first step closed must dominate every later wait (the prologue).
  virtual void endStep(ImplicitLocOpBuilder &b) = 0;
  /// Waits until at most `pendingSteps` full steps closed after the one to
  /// be read are in flight.
  virtual void wait(ImplicitLocOpBuilder &b, int64_t pendingSteps) = 0;
  /// This lane's data of slot `slot` of `stage` (after a wait covering it),
  /// read with the alignment of one copy.
  Value read(ImplicitLocOpBuilder &b, int64_t stage, int64_t slot);

protected:
  StagedLoads(StagingPlan plan, ValueRange buffers, Value wave, Value lane)
      : plan(plan), buffers(buffers), wave(wave), lane(lane) {}

  /// Starts one copy of plan.pieceElems elements at `src[at]` into
  /// `buffer`, where this lane's piece of the slot starting at `base` is.
  virtual void copyPiece(ImplicitLocOpBuilder &b, Value buffer, Value base,
                         Value src, ValueRange at, bool streaming) = 0;
  Value slotBase(ImplicitLocOpBuilder &b, int64_t slot, int64_t piece);

  StagingPlan plan;
  SmallVector<Value> buffers;
  Value wave, lane;
};

/// The cp.async loads (CpAsyncLoads.cpp).
std::unique_ptr<StagedLoads>
makeCpAsyncLoads(StagingPlan plan, ValueRange buffers, Value wave, Value lane);
/// The global_load_lds loads (GlobalLoadLDSLoads.cpp).
std::unique_ptr<StagedLoads> makeGlobalLoadLDSLoads(StagingPlan plan,
                                                    ValueRange buffers,
                                                    Value wave, Value lane);
/// The loop of `steps` staged steps: step s's copies (`issue(s, stage)`,
/// which ends its step) go to stage s % `stages`, `stages - 1` steps ahead
/// of `body(s, stage, state)`, which reads and multiplies them after their
/// wait and returns the loop's next state. The loop is unrolled by the
/// stage count, so that every copy and read names its stage's buffer
/// statically; the steps past the last full round follow it and wait
/// exactly for themselves. `inits` (called after the prologue's copies)
/// is the first state; returns the last.
SmallVector<Value>
emitStagedSteps(ImplicitLocOpBuilder &b, StagedLoads &loads, int64_t stages,
                int64_t steps,
                function_ref<void(Value step, int64_t stage)> issue,
                function_ref<SmallVector<Value>()> inits,
                function_ref<SmallVector<Value>(Value step, int64_t stage,
                                                ArrayRef<Value> state)>
                    body);

/// Most stages of `copiesPerStep` copies per lane and step whose copies
/// `chip`'s waits can keep in flight (the steps behind the one read, + 1).
int64_t maxStagesOf(const ChipInfo &chip, int64_t copiesPerStep);

} // namespace mlir::moe

#endif // MOE_CONVERSION_MOETOGPU_STAGEDLOADS_H
