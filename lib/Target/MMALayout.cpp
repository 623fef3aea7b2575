//===- MMALayout.cpp - which lane holds which matrix element --------------===//
//
// MFMA layouts from the CDNA3 ISA guide's matrix-core section (single-block
// 16x16 and 32x32 shapes) and mma.sync m16n8k16 from the PTX ISA.
//
//===----------------------------------------------------------------------===//

#include "moe/Target/MMALayout.h"

using namespace mlir::moe;

// CDNA (wave64, one block): A lane l holds row l % m and a run of
// m*k/64 consecutive k starting at (l / m) * run; B likewise with n; D holds
// 4-row groups: for 16x16 rows 4 * (l / 16) + v, for 32x32 rows
// 8 * (v / 4) + 4 * (l / 32) + v % 4; the column is l % n.
//
// NVIDIA m16n8k16 (warp32): group g = l / 4, thread t = l % 4. A (16x16):
// rows g and g + 8, columns 2t, 2t+1 and 2t+8, 2t+9, in the order
// (g, 2t) (g, 2t+1) (g+8, 2t) (g+8, 2t+1) (g, 2t+8) ...; B (16x8): k rows
// 2t, 2t+1, 2t+8, 2t+9 of column g; D (16x8): (g, 2t) (g, 2t+1) (g+8, 2t)
// (g+8, 2t+1).

TilePos MMALayout::a(int64_t lane, int64_t value) const {
  if (waveSize == 32) {
    int64_t g = lane / 4, t = lane % 4;
    int64_t row = g + 8 * ((value / 2) % 2);
    int64_t col = 2 * t + value % 2 + 8 * (value / 4);
    return {row, col};
  }
  int64_t run = aValuesPerLane();
  return {lane % shape.m, (lane / shape.m) * run + value};
}

TilePos MMALayout::b(int64_t lane, int64_t value) const {
  if (waveSize == 32) {
    int64_t g = lane / 4, t = lane % 4;
    return {2 * t + value % 2 + 8 * (value / 2), g};
  }
  int64_t run = bValuesPerLane();
  return {(lane / shape.n) * run + value, lane % shape.n};
}

TilePos MMALayout::d(int64_t lane, int64_t value) const {
  if (waveSize == 32) {
    int64_t g = lane / 4, t = lane % 4;
    return {g + 8 * (value / 2), 2 * t + value % 2};
  }
  int64_t col = lane % shape.n;
  if (shape.m == 16)
    return {4 * (lane / 16) + value, col};
  return {8 * (value / 4) + 4 * (lane / 32) + value % 4, col};
}
