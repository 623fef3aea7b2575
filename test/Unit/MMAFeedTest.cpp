//===- MMAFeedTest.cpp - the GEMM's k feeding against the MMA layouts -----===//
//
// The grouped GEMM on wave64 loads kLoadOf consecutive k per lane and row
// (at (lane / m) * kLoad within a k step of kStepOf) and feeds them to
// kLoad / run MFMAs of `run` k each, split by mfmaFeed (MMAAtom.h, the
// split the kernel's shuffles use). This emulates those
// MFMAs with the documented operand layouts (MMALayout) on integer data and
// checks that a step's MFMAs sum every k of the step exactly once: the
// product equals A x B. (The warp32 path runs on an H100 in the GPU tests.)
//
//===----------------------------------------------------------------------===//

#include "MMAAtom.h"

#include <gtest/gtest.h>

#include <vector>

using namespace mlir::moe;

namespace {

/// Emulates `steps` whole k steps of the feeding chosen for a GEMM of depth
/// `kDepth` (a K tail, masked by the kernel, is not emulated).
void expectFeedComputesProduct(llvm::StringRef chipName, int64_t kDepth,
                               int64_t steps) {
  const ChipInfo *chip = lookupChip(chipName);
  ASSERT_NE(chip, nullptr);
  ASSERT_EQ(chip->waveSize, 64);
  MMAShape mma = *pickMMA(*chip);
  MMALayout layout(mma, chip->waveSize);
  int64_t kStep = kStepOf(*chip, mma, kDepth);
  int64_t kLoad = kLoadOf(*chip, mma, kDepth);
  int64_t depth = steps * kStep;
  int64_t run = layout.aValuesPerLane();
  ASSERT_EQ(kLoad % run, 0);
  ASSERT_EQ(kStep, (chip->waveSize / mma.m) * kLoad)
      << "the lanes' runs must tile the step";
  int64_t m = mma.m, n = mma.n;
  std::vector<int64_t> a(m * depth), b(depth * n);
  for (size_t i = 0; i < a.size(); ++i)
    a[i] = static_cast<int64_t>((i * 7919) % 23) - 11;
  for (size_t i = 0; i < b.size(); ++i)
    b[i] = static_cast<int64_t>((i * 104729) % 19) - 9;
  std::vector<int64_t> d(m * n, 0);
  for (int64_t step = 0; step < steps; ++step) {
    for (int64_t i = 0; i < kLoad / run; ++i) {
      // One MFMA: each lane's values i*run .. i*run+run-1 of its loads.
      std::vector<int64_t> am(m * mma.k), bm(mma.k * n);
      // The kernel's split of the lane's loaded run (mfmaFeed, MMAAtom.h).
      llvm::SmallVector<int64_t> feed = mfmaFeed(i, run);
      for (int64_t lane = 0; lane < chip->waveSize; ++lane) {
        int64_t k0 = step * kStep + (lane / m) * kLoad;
        for (int64_t v = 0; v < run; ++v) {
          int64_t k = k0 + feed[v];
          TilePos pa = layout.a(lane, v);
          am[pa.row * mma.k + pa.col] = a[(lane % m) * depth + k];
          TilePos pb = layout.b(lane, v);
          bm[pb.row * n + pb.col] = b[k * n + lane % n];
        }
      }
      for (int64_t r = 0; r < m; ++r)
        for (int64_t c = 0; c < n; ++c)
          for (int64_t k = 0; k < mma.k; ++k)
            d[r * n + c] += am[r * mma.k + k] * bm[k * n + c];
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
/// `kDepth`, then `steps` whole steps of that feeding emulated.
void expectFeed(llvm::StringRef chipName, int64_t kDepth, int64_t kLoad,
                int64_t kStep, int64_t steps) {
  const ChipInfo *chip = lookupChip(chipName);
  ASSERT_NE(chip, nullptr);
  MMAShape mma = *pickMMA(*chip);
  EXPECT_EQ(kLoadOf(*chip, mma, kDepth), kLoad);
  EXPECT_EQ(kStepOf(*chip, mma, kDepth), kStep);
  expectFeedComputesProduct(chipName, kDepth, steps);
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

} // namespace
