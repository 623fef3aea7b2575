//===- StagedLoads.h - per-lane global loads staged through LDS -*- C++ -*-===//
//
// A k loop that keeps several steps of loads in flight without holding
// registers: each lane copies its own fragments into a private slot of LDS
// with asynchronous copies (cp.async on NVIDIA, global_load_lds on AMD) and
// reads them back when the step's MMAs run. Slots are private, so no barrier
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

/// LDS bytes the GEMM may use for staging on `chip`: the 48 KiB of static
/// shared memory a workgroup may have on NVIDIA; half the LDS on AMD (two
/// workgroups per CU).
int64_t stagingBudgetBytes(const ChipInfo &chip);

/// Most steps a staged loop keeps buffers for.
inline constexpr int64_t kMaxStagedSteps = 8;

/// Emits the copies, waits and reads of a plan over `buffers` (one 1-D
/// workgroup memref of bufferElems() elements per stage) for the lane
/// `lane` of wave `wave`.
class StagedLoads {
public:
  StagedLoads(const ChipInfo &chip, StagingPlan plan, ValueRange buffers,
              Value wave, Value lane)
      : chip(chip), plan(plan), buffers(buffers), wave(wave), lane(lane) {}

  /// Starts copying this lane's loadElems elements at `src[indices]` (the
  /// last index runs along contiguous memory) into slot `slot` of `stage`.
  /// `streaming` data skips L1 where the chip allows.
  void copy(ImplicitLocOpBuilder &b, int64_t stage, int64_t slot, Value src,
            ValueRange indices, bool streaming);
  /// Closes the copies started since the last call into one step. The
  /// first step closed must dominate every later wait (the prologue).
  void endStep(ImplicitLocOpBuilder &b);
  /// Waits until at most `pendingSteps` full steps closed after the one to
  /// be read are in flight.
  void wait(ImplicitLocOpBuilder &b, int64_t pendingSteps);
  /// This lane's data of slot `slot` of `stage` (after a wait covering it),
  /// read with the alignment of one copy.
  Value read(ImplicitLocOpBuilder &b, int64_t stage, int64_t slot);

private:
  Value slotBase(ImplicitLocOpBuilder &b, int64_t slot, int64_t piece);

  const ChipInfo &chip;
  StagingPlan plan;
  SmallVector<Value> buffers;
  Value wave, lane;
  SmallVector<Value> tokens; ///< NVIDIA: copies of the open step
  Value firstGroup;          ///< NVIDIA: the operand of every wait
};

} // namespace mlir::moe

#endif // MOE_CONVERSION_MOETOGPU_STAGEDLOADS_H
