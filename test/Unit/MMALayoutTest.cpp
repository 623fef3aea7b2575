//===- MMALayoutTest.cpp - MMA lane layouts against the documentation -----===//
//
// Checks MMALayout against entries of the documented MFMA / mma.sync layouts.
//
//===----------------------------------------------------------------------===//

#include "moe/Target/MMALayout.h"

#include <gtest/gtest.h>

#include <set>
#include <utility>

using namespace mlir::moe;

namespace {

/// Every element of an r x c tile is held by exactly one (lane, value).
template <typename Fn>
void expectBijection(const MMALayout &layout, int64_t rows, int64_t cols,
                     int64_t perLane, Fn fn) {
  std::set<std::pair<int64_t, int64_t>> seen;
  for (int64_t lane = 0; lane < layout.waveSize; ++lane)
    for (int64_t v = 0; v < perLane; ++v) {
      TilePos p = fn(lane, v);
      EXPECT_GE(p.row, 0);
      EXPECT_LT(p.row, rows);
      EXPECT_GE(p.col, 0);
      EXPECT_LT(p.col, cols);
      EXPECT_TRUE(seen.insert({p.row, p.col}).second)
          << "(" << p.row << ", " << p.col << ") held twice";
    }
  EXPECT_EQ(static_cast<int64_t>(seen.size()), rows * cols);
}

void expectComplete(const MMALayout &l) {
  const MMAShape &s = l.shape;
  expectBijection(l, s.m, s.k, l.aValuesPerLane(),
                  [&](int64_t x, int64_t v) { return l.a(x, v); });
  expectBijection(l, s.k, s.n, l.bValuesPerLane(),
                  [&](int64_t x, int64_t v) { return l.b(x, v); });
  expectBijection(l, s.m, s.n, l.dValuesPerLane(),
                  [&](int64_t x, int64_t v) { return l.d(x, v); });
}

TEST(MMALayoutTest, EveryShapeOfEveryChipCoversItsTiles) {
  for (llvm::StringRef name : {"gfx942", "gfx950", "sm_90"}) {
    const ChipInfo *chip = lookupChip(name);
    ASSERT_NE(chip, nullptr);
    for (const MMAShape &shape : chip->bf16MMA) {
      SCOPED_TRACE(name.str() + " " + std::to_string(shape.m) + "x" +
                   std::to_string(shape.n) + "x" + std::to_string(shape.k));
      expectComplete(MMALayout(shape, chip->waveSize));
    }
  }
}

// v_mfma_f32_16x16x16_bf16 (gfx942): 4 bf16 of A and B per lane, 4 f32 of D.
TEST(MMALayoutTest, Mfma16x16x16Bf16) {
  MMALayout l({16, 16, 16}, 64);
  EXPECT_EQ(l.aValuesPerLane(), 4);
  EXPECT_EQ(l.dValuesPerLane(), 4);
  EXPECT_EQ(l.a(0, 0), (TilePos{0, 0}));
  EXPECT_EQ(l.a(17, 2), (TilePos{1, 6}));   // lane 17: row 1, k 4..7
  EXPECT_EQ(l.a(63, 3), (TilePos{15, 15}));
  EXPECT_EQ(l.b(17, 2), (TilePos{6, 1}));   // k 4..7 of column 1
  EXPECT_EQ(l.d(0, 3), (TilePos{3, 0}));    // rows 0..3 in lanes 0..15
  EXPECT_EQ(l.d(16, 0), (TilePos{4, 0}));   // rows 4..7 in lanes 16..31
  EXPECT_EQ(l.d(63, 3), (TilePos{15, 15}));
}

// v_mfma_f32_16x16x32_bf16 (gfx950): 8 bf16 of A and B per lane.
TEST(MMALayoutTest, Mfma16x16x32Bf16) {
  MMALayout l({16, 16, 32}, 64);
  EXPECT_EQ(l.aValuesPerLane(), 8);
  EXPECT_EQ(l.a(16, 0), (TilePos{0, 8}));
  EXPECT_EQ(l.a(48, 7), (TilePos{0, 31}));
  EXPECT_EQ(l.b(33, 5), (TilePos{21, 1}));
  EXPECT_EQ(l.d(33, 1), (TilePos{9, 1}));
}

// v_mfma_f32_32x32x8_bf16: 16 f32 of D per lane, in 4 groups of 4 rows.
TEST(MMALayoutTest, Mfma32x32x8Bf16) {
  MMALayout l({32, 32, 8}, 64);
  EXPECT_EQ(l.aValuesPerLane(), 4);
  EXPECT_EQ(l.dValuesPerLane(), 16);
  EXPECT_EQ(l.a(33, 1), (TilePos{1, 5}));
  EXPECT_EQ(l.d(0, 4), (TilePos{8, 0}));
  EXPECT_EQ(l.d(32, 0), (TilePos{4, 0}));
  EXPECT_EQ(l.d(63, 15), (TilePos{31, 31}));
}

// mma.sync.m16n8k16 bf16 (sm_90), PTX ISA fragment layouts.
TEST(MMALayoutTest, MmaSyncM16n8k16) {
  MMALayout l({16, 8, 16}, 32);
  EXPECT_EQ(l.aValuesPerLane(), 8);
  EXPECT_EQ(l.bValuesPerLane(), 4);
  EXPECT_EQ(l.dValuesPerLane(), 4);
  EXPECT_EQ(l.a(5, 0), (TilePos{1, 2}));   // group 1, thread 1
  EXPECT_EQ(l.a(5, 3), (TilePos{9, 3}));
  EXPECT_EQ(l.a(5, 6), (TilePos{9, 10}));
  EXPECT_EQ(l.b(5, 2), (TilePos{10, 1}));
  EXPECT_EQ(l.d(31, 3), (TilePos{15, 7}));
}

} // namespace
