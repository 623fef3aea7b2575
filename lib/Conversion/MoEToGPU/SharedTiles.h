//===- SharedTiles.h - workgroup tiles in a shared-memory ring --*- C++ -*-===//
//
// The k loop of the cooperative GEMM: every thread of the workgroup copies
// 16-byte chunks of the A rows and the weight rows of one k tile into a
// ring of shared-memory stages (cp.async, zero-filled where a row is
// padding), barriers order the stages, and each wave reads its MMA operands
// with ldmatrix. Rows are stored [row][k] with the 16-byte chunks of a row
// XOR-swizzled by the row, so that the eight rows one ldmatrix reads fall in
// distinct banks.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_CONVERSION_MOETOGPU_SHAREDTILES_H
#define MOE_CONVERSION_MOETOGPU_SHAREDTILES_H

#include "moe/Target/Chip.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"

#include <optional>

namespace mlir::moe {

/// The ring of one cooperative GEMM: stage s holds aRows x kTile elements
/// of A, then bRows x kTile elements of the weights.
struct SharedTilePlan {
  int64_t stages;  ///< k tiles whose buffers exist (in flight + being read)
  int64_t kTile;   ///< k per stage: 64 (a 128-byte row), 32, or 128
  int64_t aRows;   ///< A rows of the workgroup (block_m)
  int64_t bRows;   ///< weight rows of the workgroup (gate and up when gated)
  int64_t threads; ///< threads that share the copies
  /// Alignment of the ring's start in shared memory: kWarpgroupSwizzleAlign
  /// for warpgroup MMAs (the ring is moved up to it at run time, so the
  /// memory has that much more), else 0 (no alignment past 16 bytes).
  int64_t alignBytes = 0;
  /// The plan asked for kTile (GemmPlanChoice::kTile), or the model took
  /// 128-element tiles for a long K (planModelRing), instead of
  /// sharedKTileOf's; its attribute then spells it.
  bool forcedKTile = false;

  /// 16-byte chunks of one row of a stage (2-byte elements).
  int64_t chunks() const { return kTile / 8; }
  int64_t stageElems() const { return (aRows + bRows) * kTile; }
  /// Shared memory the ring needs, the alignment slack included.
  int64_t bytes(int64_t elementBytes) const {
    return stages * stageElems() * elementBytes + alignBytes;
  }
};

/// Most stages a shared-tile ring has.
inline constexpr int64_t kMaxSharedStages = 4;
/// Most waves of a shared-tile workgroup.
inline constexpr int64_t kSharedWaves = 8;
/// 128-element k tiles over K from which the model takes 128-element k
/// tiles for a gated ldmatrix plan (planModelRing).
inline constexpr int64_t kLongKTiles = 16;

/// The k tile of a K (64 where it divides K, else 32), or nullopt where
/// neither does (the cooperative loop has no K tail).
std::optional<int64_t> sharedKTileOf(int64_t depth);

/// Shared memory the model's cooperative GEMM plans use on `chip`
/// (dynamic shared memory): half of the SM's, so that two workgroups share
/// it.
int64_t sharedTileBudgetBytes(const ChipInfo &chip);
/// Shared memory one workgroup may have on `chip`: the SM's, less the
/// 1 KiB the driver reserves (an edited or measured plan may use it all).
int64_t sharedTileMaxBytes(const ChipInfo &chip);

/// Emits the copies, waits, barriers and ldmatrix reads of a plan over
/// `buffer` (a 1-D workgroup memref of stages * stageElems() elements,
/// 16-byte aligned).
class SharedTiles {
public:
  /// With plan.alignBytes, emits the ring's start: the first element of
  /// `buffer` at an address that is a multiple of alignBytes.
  SharedTiles(ImplicitLocOpBuilder &b, SharedTilePlan plan, Value buffer);

  /// Starts copying chunk `chunk` (8 elements from `src[indices]`, the last
  /// index at the chunk's first k) into row `row` of the A rows (`ofB`
  /// false) or weight rows of `stage`; zero-filled where `valid` is false
  /// (the indices must still be in bounds). `streaming` skips L1.
  void copy(ImplicitLocOpBuilder &b, Value stage, bool ofB, Value row,
            Value chunk, Value src, ValueRange indices, Value valid,
            bool streaming);
  /// Closes the copies started since the last call into one group.
  void commit(ImplicitLocOpBuilder &b);
  /// Waits until at most `pending` groups are in flight, then a workgroup
  /// barrier: every thread's copies of the waited stages are visible and
  /// every wave is done with the stage the next copies overwrite.
  /// With `asyncProxy` (warpgroup MMAs read the tiles), each thread's
  /// copies are made visible to the async proxy before the barrier.
  void waitAndSync(ImplicitLocOpBuilder &b, int64_t pending,
                   bool asyncProxy = false);
  /// The shared-memory address (i64) of row `row` of the A rows (`ofB`
  /// false) or weight rows of `stage`; rows at a multiple of 8 start a
  /// swizzle pattern (SharedTiles rows are [row][k], chunks XORed).
  Value rowAddress(ImplicitLocOpBuilder &b, Value stage, bool ofB, Value row);
  /// The ldmatrix of `tiles` 8x8 matrices (2 or 4) at rows `row` (this
  /// lane's address row) and chunk `chunk` of `stage`: one 32-bit register
  /// (two elements) per matrix, as vector<2xelement>.
  SmallVector<Value> readMatrices(ImplicitLocOpBuilder &b, Value stage,
                                  bool ofB, Value row, Value chunk,
                                  int64_t tiles);

private:
  Value offsetOf(ImplicitLocOpBuilder &b, Value stage, bool ofB, Value row,
                 Value chunk);

  SharedTilePlan plan;
  Value buffer;
  int64_t elementBytes;
  /// The ring's first element in `buffer` (nullptr: 0) and its address.
  Value start, startAddress;
  SmallVector<Value> tokens;
  Value firstGroup;
};

} // namespace mlir::moe

#endif // MOE_CONVERSION_MOETOGPU_SHAREDTILES_H
