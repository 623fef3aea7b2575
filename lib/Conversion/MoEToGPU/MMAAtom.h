//===- MMAAtom.h - the per-target part of the grouped GEMM ------*- C++ -*-===//
//
// Which rows, columns and k a lane of the GEMM kernel loads, the MMA
// instruction (amdgpu.mfma or nvvm.mma.sync), and where its accumulator
// values sit in the tile. Routing, masking and the epilogue are shared
// (GroupedMatmulKernel.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef MOE_CONVERSION_MOETOGPU_MMAATOM_H
#define MOE_CONVERSION_MOETOGPU_MMAATOM_H

#include "moe/Target/Chip.h"
#include "moe/Target/MMALayout.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

#include <functional>
#include <optional>

namespace mlir::moe {

/// The 16-row MMA shape of `chip` for 2-byte elements (16x16x16 on gfx942,
/// 16x16x32 on gfx950, m16n8k16 on sm_90).
std::optional<MMAShape> pickMMA(const ChipInfo &chip);

/// K consumed per k-loop iteration: when K is a multiple of 8, as many MMAs
/// as make each lane load 16 bytes (8 consecutive k) per row: one 16x16x32
/// on gfx950, two 16x16x16 on gfx942, two m16n8k16 on sm_90; else one
/// (8-byte loads on gfx942 and sm_90; gfx950's K must be a multiple of 8).
int64_t kStepOf(const ChipInfo &chip, MMAShape mma, int64_t depth);

/// Consecutive k each lane loads per row and step (K must be a multiple).
int64_t kLoadOf(const ChipInfo &chip, MMAShape mma, int64_t depth);

/// wave64: the positions, within a lane's kLoad loaded k, whose values are
/// operand values 0..run-1 of MFMA `i` of a step (run = the MFMA's k per
/// lane): i*run .. i*run+run-1.
SmallVector<int64_t> mfmaFeed(int64_t i, int64_t run);

/// A rows each lane loads per 16-row tile (MMAAtom::aRows): 1 on wave64, 2
/// (g and g + 8) on warp32.
int64_t aRowsPerLane(const ChipInfo &chip);

/// Checks the closed-form lane roles makeAtom uses against MMALayout.
/// wave64: A row lane % m with a run of k at (lane / m) * run, B column
/// lane % n, D row 4 * (lane / 16) + v. warp32 (m16n8k16): A rows g, g + 8,
/// B column g, D (g + 8 * (v / 2), 2t + v % 2) with g = lane / 4, t = lane % 4;
/// each lane feeds its k slots {2t, 2t+1, 2t+8, 2t+9} from 4 consecutive
/// physical k at 4t (A and B alike, so the dot product is unchanged).
bool laneRolesMatch(const MMALayout &layout, const ChipInfo &chip);

/// The per-target part of the GEMM: which rows, columns and k a lane loads,
/// the MMA instruction, and where its accumulator values sit in the tile.
/// Everything else (routing, masking, epilogue) is shared.
struct MMAAtom {
  int64_t kStep;            ///< k per loop iteration
  int64_t kLoad;            ///< consecutive elements a lane loads per row
  Value kOffset;            ///< first k of this lane within a step
  SmallVector<Value> aRows; ///< this lane's A rows within the 16-row tile
  Value bCol;               ///< this lane's B column within the n tile
  SmallVector<std::pair<Value, Value>> d; ///< (row, col) of each acc value
  /// Accumulator values that sit in consecutive columns of one row (d[v],
  /// d[v+1], ... for v a multiple of it): 2 on m16n8k16, 1 on wave64.
  int64_t dColumnRun = 1;
  VectorType accType;
  std::function<Value(ImplicitLocOpBuilder &, ArrayRef<Value>, Value, Value)>
      multiply; ///< acc + A(rows) * B
};

/// The mma.sync operand register of two elements (vector<2xbf16|f16>): an
/// i32 for bf16, the vector itself for f16.
Value mmaRegister(ImplicitLocOpBuilder &b, Value pair);

/// One mma.sync m16n8k16 (row A, col B, f32 accumulators): `a` the four A
/// registers (a0a1 row g, a2a3 row g+8, a4a5 row g k+8, a6a7 row g+8 k+8),
/// `w` the two B registers (k 2t.., k 2t+8.. of column g), `acc` the four
/// accumulator values; returns the four sums (mmaRegister forms).
SmallVector<Value> mmaSyncM16N8K16(ImplicitLocOpBuilder &b, bool bf16,
                                   ArrayRef<Value> a, ArrayRef<Value> w,
                                   ArrayRef<Value> acc);

/// The atom of `chip` for lane `lane` (its role values are built with `b`).
MMAAtom makeAtom(ImplicitLocOpBuilder &b, const ChipInfo &chip, MMAShape mma,
                 int64_t depth, Type element, Value lane);

} // namespace mlir::moe

#endif // MOE_CONVERSION_MOETOGPU_MMAATOM_H
