//===- MMAFeedTest.cpp - the GEMM's k feeding against the MMA layouts -----===//
//
// The grouped GEMM loads, per lane and A row (and B column), kLoadOf
// consecutive k at kGroup * kLoad within a k step of kStepOf, and feeds
// them to kLoad / kPerRow MMAs through the operand feed of its lane roles
// (MMAAtom.h, LaneRoles.h). This emulates those MMAs with the documented
// operand layouts (MMALayout) on integer data, for MFMA and mma.sync, and
// checks that a step's MMAs sum every k of the step exactly once into the
// accumulators the roles name: the product equals A x B.
//
//===----------------------------------------------------------------------===//

#include "MMAAtom.h"

#include <gtest/gtest.h>

#include <vector>

using namespace mlir::moe;

namespace {

/// Emulates `steps` whole k steps of the feeding chosen for a GEMM of depth
/// `kDepth` with the MMA a block of `blockM` x `blockN` picks
/// (pickBlockMMA; a K tail, masked by the kernel, is not emulated).
void expectFeedComputesProduct(llvm::StringRef chipName, int64_t kDepth,
                               int64_t steps, int64_t blockM, int64_t blockN) {
  const ChipInfo *chip = lookupChip(chipName);
  ASSERT_NE(chip, nullptr);
  MMAShape mma = *pickBlockMMA(*chip, blockM, blockN);
  MMALayout layout(mma, chip->waveSize);
  std::string why;
  std::optional<LaneRoles> roles = laneRolesOf(*chip, mma, why);
  ASSERT_TRUE(roles) << why;
  int64_t kStep = kStepOf(*chip, mma, kDepth);
  int64_t kLoad = kLoadOf(*chip, mma, kDepth);
  int64_t depth = steps * kStep, run = roles->kPerRow;
  ASSERT_EQ(kLoad % run, 0);
  ASSERT_EQ((mma.k / run) * kLoad, kStep) << "the k groups must tile the step";
  int64_t m = mma.m, n = mma.n;
  std::vector<int64_t> a(m * depth), b(depth * n);
  for (size_t i = 0; i < a.size(); ++i)
    a[i] = static_cast<int64_t>((i * 7919) % 23) - 11;
  for (size_t i = 0; i < b.size(); ++i)
    b[i] = static_cast<int64_t>((i * 104729) % 19) - 9;
  // Each lane's accumulators, placed in the tile where the roles say.
  std::vector<int64_t> d(m * n, 0);
  for (int64_t step = 0; step < steps; ++step) {
    for (int64_t i = 0; i < kLoad / run; ++i) {
      // One MMA: operand value v of each lane from its loads.
      std::vector<int64_t> am(m * mma.k), bm(mma.k * n);
      for (int64_t lane = 0; lane < chip->waveSize; ++lane) {
        int64_t k0 = step * kStep + roles->kGroup.at(lane) * kLoad + i * run;
        for (auto [v, f] : llvm::enumerate(roles->aFeed)) {
          TilePos pa = layout.a(lane, v);
          am[pa.row * mma.k + pa.col] =
              a[roles->aRows[f.row].at(lane) * depth + k0 + f.slot];
        }
        for (auto [v, f] : llvm::enumerate(roles->bFeed)) {
          TilePos pb = layout.b(lane, v);
          bm[pb.row * n + pb.col] = b[(k0 + f.slot) * n + roles->bCol.at(lane)];
        }
      }
      std::vector<int64_t> dm(m * n, 0);
      for (int64_t r = 0; r < m; ++r)
        for (int64_t c = 0; c < n; ++c)
          for (int64_t k = 0; k < mma.k; ++k)
            dm[r * n + c] += am[r * mma.k + k] * bm[k * n + c];
      for (int64_t lane = 0; lane < chip->waveSize; ++lane)
        for (auto [v, at] : llvm::enumerate(roles->d)) {
          TilePos pd = layout.d(lane, v);
          int64_t row = at.first.at(lane), col = at.second.at(lane);
          d[row * n + col] += dm[pd.row * n + pd.col];
        }
    }
  }
  for (int64_t r = 0; r < m; ++r)
    for (int64_t c = 0; c < n; ++c) {
      int64_t want = 0;
      for (int64_t k = 0; k < depth; ++k)
        want += a[r * depth + k] * b[k * n + c];
      ASSERT_EQ(d[r * n + c], want) << "D[" << r << "][" << c << "]";
    }
}

/// The k a lane loads and the k a step takes on `chip` for a GEMM of depth
/// `kDepth` in blocks of `blockM` x `blockN` (16 x 16 by default: the
/// 16-row MMA), then `steps` whole steps of that feeding emulated.
void expectFeed(llvm::StringRef chipName, int64_t kDepth, int64_t kLoad,
                int64_t kStep, int64_t steps, int64_t blockM = 16,
                int64_t blockN = 16) {
  const ChipInfo *chip = lookupChip(chipName);
  ASSERT_NE(chip, nullptr);
  MMAShape mma = *pickBlockMMA(*chip, blockM, blockN);
  EXPECT_EQ(kLoadOf(*chip, mma, kDepth), kLoad);
  EXPECT_EQ(kStepOf(*chip, mma, kDepth), kStep);
  expectFeedComputesProduct(chipName, kDepth, steps, blockM, blockN);
}

// gfx942: 16-byte loads (8 k per lane), two 16x16x16 MFMAs per 32 k.
TEST(MMAFeedTest, Gfx942TwoMfmasPerSixteenByteLoad) {
  expectFeed("gfx942", 64, 8, 32, 2);
  expectFeed("gfx942", 96, 8, 32, 3);
}

// gfx942 with K not a multiple of 8: 8-byte loads, one MFMA per step.
TEST(MMAFeedTest, Gfx942OneMfmaWhenKIsNotAMultipleOf8) {
  expectFeed("gfx942", 36, 4, 16, 2);
}

// gfx950: one 16x16x32 MFMA takes the lane's 16 bytes as they are.
TEST(MMAFeedTest, Gfx950OneMfmaPerSixteenByteLoad) {
  expectFeed("gfx950", 64, 8, 32, 2);
}

// Blocks of 32+ rows and columns on gfx942: 32x32x8 MFMAs, two per 16-byte
// load (each takes 4 of a lane's 8 k), 16 k a step; 8-byte loads where K is
// not a multiple of 8.
TEST(MMAFeedTest, Gfx942ThirtyTwoRowBlocksTakeTwo32x32x8PerLoad) {
  const ChipInfo *chip = lookupChip("gfx942");
  ASSERT_NE(chip, nullptr);
  EXPECT_EQ(pickBlockMMA(*chip, 64, 128)->m, 32);
  EXPECT_EQ(pickBlockMMA(*chip, 64, 128)->k, 8);
  expectFeed("gfx942", 64, 8, 16, 4, 64, 128);
  expectFeed("gfx942", 36, 4, 8, 4, 32, 32);
}

// Blocks of 32+ rows and columns on gfx950: one 32x32x16 MFMA per 16-byte
// load; 16-row blocks or 16-column blocks keep the 16x16x32 MFMA.
TEST(MMAFeedTest, Gfx950ThirtyTwoRowBlocksTakeOne32x32x16PerLoad) {
  const ChipInfo *chip = lookupChip("gfx950");
  ASSERT_NE(chip, nullptr);
  EXPECT_EQ(pickBlockMMA(*chip, 128, 64)->k, 16);
  EXPECT_EQ(pickBlockMMA(*chip, 16, 64)->m, 16);
  EXPECT_EQ(pickBlockMMA(*chip, 64, 16)->m, 16);
  expectFeed("gfx950", 64, 8, 16, 4, 32, 64);
}

// sm_90 has no 32-row MMA: every block takes m16n8k16.
TEST(MMAFeedTest, Sm90BlocksOfAnySizeTakeMmaSync) {
  const ChipInfo *chip = lookupChip("sm_90");
  ASSERT_NE(chip, nullptr);
  EXPECT_EQ(pickBlockMMA(*chip, 128, 128)->m, 16);
  expectFeed("sm_90", 64, 8, 32, 2, 128, 128);
}

// sm_90: 16-byte loads per row, two m16n8k16 per 32 k; each lane's run
// stands for the layout's k 2t, 2t+1, 2t+8, 2t+9 of each MMA.
TEST(MMAFeedTest, Sm90TwoMmaSyncsPerSixteenByteLoad) {
  expectFeed("sm_90", 64, 8, 32, 2);
}

// sm_90 with K not a multiple of 8: 8-byte loads, one m16n8k16 per step.
TEST(MMAFeedTest, Sm90OneMmaSyncWhenKIsNotAMultipleOf8) {
  expectFeed("sm_90", 36, 4, 16, 2);
}

} // namespace
