//===- MMALayout.h - which lane holds which matrix element ------*- C++ -*-===//
//
// Operand and result layouts of MFMA (wave64) and mma.sync (warp32) tiles.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TARGET_MMALAYOUT_H
#define MOE_TARGET_MMALAYOUT_H

#include "moe/Target/Chip.h"

namespace mlir::moe {

/// A position in an operand or result tile: row and column.
struct TilePos {
  int64_t row, col;
  bool operator==(const TilePos &o) const {
    return row == o.row && col == o.col;
  }
};

/// The MMA register layout of one instruction shape on a chip with
/// `waveSize` lanes (64: CDNA MFMA with one block; 32: NVIDIA mma.sync).
class MMALayout {
public:
  MMALayout(MMAShape shape, int64_t waveSize)
      : shape(shape), waveSize(waveSize) {}

  /// Elements of A [m x k], B [k x n] and D [m x n] held by each lane.
  int64_t aValuesPerLane() const { return shape.m * shape.k / waveSize; }
  int64_t bValuesPerLane() const { return shape.k * shape.n / waveSize; }
  int64_t dValuesPerLane() const { return shape.m * shape.n / waveSize; }

  /// The element of A (row = m index, col = k index) in lane `lane`,
  /// register element `value`.
  TilePos a(int64_t lane, int64_t value) const;
  /// The element of B (row = k index, col = n index).
  TilePos b(int64_t lane, int64_t value) const;
  /// The element of D (row = m index, col = n index).
  TilePos d(int64_t lane, int64_t value) const;

  MMAShape shape;
  int64_t waveSize;
};

} // namespace mlir::moe

#endif // MOE_TARGET_MMALAYOUT_H
