//===- MMAAtom.h - the per-target part of the grouped GEMM ------*- C++ -*-===//
//
// Which rows, columns and k a lane of the GEMM kernel loads (its lane roles,
// derived from MMALayout), the MMA instruction that multiplies them (one
// MMAInstruction per family: MFMA, mma.sync), and where its accumulator
// values sit in the tile. Routing, masking and the epilogue are shared
// (GroupedMatmulKernel.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef MOE_CONVERSION_MOETOGPU_MMAATOM_H
#define MOE_CONVERSION_MOETOGPU_MMAATOM_H

#include "moe/Target/Chip.h"
#include "moe/Target/LaneRoles.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

#include <optional>
#include <string>

namespace mlir::moe {

/// The 16-row MMA shape of `chip` for 2-byte elements (16x16x16 on gfx942,
/// 16x16x32 on gfx950, m16n8k16 on sm_90).
std::optional<MMAShape> pickMMA(const ChipInfo &chip);

/// The MMA shape of a block of `blockM` rows by `blockN` output columns on
/// `chip` for 2-byte elements: where the chip has a 32-row shape with lane
/// roles and the block is a multiple of 32 both ways, the one with the most
/// k (MFMA 32x32x8 on gfx942, 32x32x16 on gfx950: per multiply-add, half
/// the instructions and half the operand elements of the 16x16 shapes);
/// else pickMMA's.
std::optional<MMAShape> pickBlockMMA(const ChipInfo &chip, int64_t blockM,
                                     int64_t blockN);

class MMAAtom;

/// One family of MMA instructions: how a lane's loaded runs become the
/// instruction's operands, and the instruction. A new family (wgmma, a new
/// MFMA generation) is one subclass and one case of mmaInstructionOf.
class MMAInstruction {
public:
  virtual ~MMAInstruction() = default;
  /// Why the family cannot take MMAs of `shape` fed as `roles` says; empty
  /// when it can.
  virtual std::string checkFeed(MMAShape shape,
                                const LaneRoles &roles) const = 0;
  /// acc + A x B over one k step of `atom`: `a` the lane's loaded run of
  /// each of its A rows, `w` its run of B (kLoad elements each), `acc` its
  /// accumulators (atom.accType).
  virtual Value multiply(ImplicitLocOpBuilder &b, const MMAAtom &atom,
                         ArrayRef<Value> a, Value w, Value acc) const = 0;
};

/// amdgpu.mfma (MFMAInstruction.cpp).
const MMAInstruction &mfmaInstruction();
/// nvvm.mma.sync m16n8k16 (MMASyncInstruction.cpp).
const MMAInstruction &mmaSyncInstruction();
/// The family of `chip` (ChipInfo::mmaFamily).
const MMAInstruction &mmaInstructionOf(const ChipInfo &chip);

/// The lane roles of `mma` on `chip`, derived from its MMALayout and
/// accepted by the chip's MMA family; nullopt with `why` otherwise.
std::optional<LaneRoles> laneRolesOf(const ChipInfo &chip, MMAShape mma,
                                     std::string &why);

/// K consumed per k-loop iteration: when K is a multiple of 8, as many MMAs
/// as make each lane load 16 bytes (8 consecutive k) per row: one 16x16x32
/// on gfx950, two 16x16x16 on gfx942, two m16n8k16 on sm_90; else one
/// (8-byte loads on gfx942 and sm_90; gfx950's K must be a multiple of 8).
/// `mma` must have lane roles on `chip` (laneRolesOf).
int64_t kStepOf(const ChipInfo &chip, MMAShape mma, int64_t depth);

/// Consecutive k each lane loads per row and step (K must be a multiple).
int64_t kLoadOf(const ChipInfo &chip, MMAShape mma, int64_t depth);

/// A rows each lane loads per row tile of `mma` (1 on MFMA, 2 on mma.sync),
/// or 0 when `mma` has no lane roles on `chip`.
int64_t aRowsPerLane(const ChipInfo &chip, MMAShape mma);

/// The per-target part of the GEMM for one lane: which rows, columns and k
/// it loads, the MMA instruction, and where its accumulator values sit in
/// the tile. Everything else (routing, masking, epilogue) is shared.
class MMAAtom {
public:
  MMAShape mma;
  LaneRoles roles;
  const MMAInstruction *instruction;
  Type element;             ///< bf16 or f16
  int64_t kStep;            ///< k per loop iteration
  int64_t kLoad;            ///< consecutive elements a lane loads per row
  Value kOffset;            ///< first k of this lane within a step
  SmallVector<Value> aRows; ///< this lane's A rows within the 16-row tile
  Value bCol;               ///< this lane's B column within the n tile
  SmallVector<std::pair<Value, Value>> d; ///< (row, col) of each acc value
  VectorType accType;

  /// MMAs per k step.
  int64_t mmasPerStep() const { return kLoad / roles.kPerRow; }
  /// Accumulator values that sit in consecutive columns of one row.
  int64_t dColumnRun() const { return roles.dColumnRun; }
  /// acc + A(rows) x B over one k step.
  Value multiply(ImplicitLocOpBuilder &b, ArrayRef<Value> a, Value w,
                 Value acc) const {
    return instruction->multiply(b, *this, a, w, acc);
  }
};

/// The atom of `chip` for lane `lane` (its role values are built with `b`);
/// `mma` must have lane roles on `chip` (laneRolesOf).
MMAAtom makeAtom(ImplicitLocOpBuilder &b, const ChipInfo &chip, MMAShape mma,
                 int64_t depth, Type element, Value lane);

} // namespace mlir::moe

#endif // MOE_CONVERSION_MOETOGPU_MMAATOM_H
