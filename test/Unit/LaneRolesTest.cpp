//===- LaneRolesTest.cpp - lane roles derived from the MMA layouts --------===//
//
// fitLaneTerm on sample sequences, and the roles deriveLaneRoles reads from
// MMALayout against the closed forms the CDNA3 ISA guide and the PTX ISA
// document for the shapes the GEMM uses.
//
//===----------------------------------------------------------------------===//

#include "moe/Target/LaneRoles.h"

#include <gtest/gtest.h>

using namespace mlir::moe;

namespace {

std::vector<int64_t> valuesOf(int64_t lanes, int64_t (*f)(int64_t)) {
  std::vector<int64_t> values;
  for (int64_t lane = 0; lane < lanes; ++lane)
    values.push_back(f(lane));
  return values;
}

TEST(LaneRolesTest, FitsDivisionsRemaindersScalesAndOffsets) {
  auto rem = fitLaneTerm(valuesOf(64, [](int64_t l) { return l % 16; }));
  ASSERT_TRUE(rem);
  EXPECT_EQ(*rem, (LaneTerm{1, 16, 1, 0}));
  // lane / 16 needs no remainder in a wave of 64.
  auto div = fitLaneTerm(valuesOf(64, [](int64_t l) { return l / 16; }));
  ASSERT_TRUE(div);
  EXPECT_EQ(*div, (LaneTerm{16, 0, 1, 0}));
  auto both =
      fitLaneTerm(valuesOf(32, [](int64_t l) { return 2 * (l % 4) + 9; }));
  ASSERT_TRUE(both);
  EXPECT_EQ(*both, (LaneTerm{1, 4, 2, 9}));
  auto constant = fitLaneTerm(valuesOf(32, [](int64_t) { return int64_t{5}; }));
  ASSERT_TRUE(constant);
  EXPECT_EQ(constant->at(31), 5);
}

TEST(LaneRolesTest, RejectsWhatIsNoLaneTerm) {
  EXPECT_FALSE(fitLaneTerm(valuesOf(32, [](int64_t l) { return l * l; })));
  EXPECT_FALSE(fitLaneTerm(valuesOf(32, [](int64_t l) { return l ^ 5; })));
  EXPECT_FALSE(fitLaneTerm({}));
}

LaneRoles rolesOf(MMAShape shape, int64_t waveSize) {
  std::string why;
  std::optional<LaneRoles> roles =
      deriveLaneRoles(MMALayout(shape, waveSize), why);
  EXPECT_TRUE(roles) << why;
  return roles.value_or(LaneRoles{});
}

// MFMA 16x16xk (wave64): A row lane % 16 with a run of k at
// (lane / 16) * run, B column lane % 16, D rows 4 * (lane / 16) + v.
TEST(LaneRolesTest, Mfma16x16MatchesTheIsaGuide) {
  for (int64_t k : {16, 32}) {
    LaneRoles roles = rolesOf({16, 16, k}, 64);
    int64_t run = k / 4;
    EXPECT_EQ(roles.kPerRow, run);
    ASSERT_EQ(roles.aRows.size(), 1u);
    EXPECT_EQ(roles.dColumnRun, 1);
    for (int64_t lane = 0; lane < 64; ++lane) {
      EXPECT_EQ(roles.aRows[0].at(lane), lane % 16);
      EXPECT_EQ(roles.bCol.at(lane), lane % 16);
      EXPECT_EQ(roles.kGroup.at(lane), lane / 16);
      for (int64_t v = 0; v < 4; ++v) {
        EXPECT_EQ(roles.d[v].first.at(lane), 4 * (lane / 16) + v);
        EXPECT_EQ(roles.d[v].second.at(lane), lane % 16);
      }
    }
    for (int64_t v = 0; v < run; ++v) {
      EXPECT_EQ(roles.aFeed[v].slot, v);
      EXPECT_EQ(roles.bFeed[v].slot, v);
    }
  }
}

// MFMA 32x32x8 (wave64): D rows 8 * (v / 4) + 4 * (lane / 32) + v % 4.
TEST(LaneRolesTest, Mfma32x32MatchesTheIsaGuide) {
  LaneRoles roles = rolesOf({32, 32, 8}, 64);
  EXPECT_EQ(roles.kPerRow, 4);
  for (int64_t lane = 0; lane < 64; ++lane)
    for (int64_t v = 0; v < 16; ++v)
      EXPECT_EQ(roles.d[v].first.at(lane),
                8 * (v / 4) + 4 * (lane / 32) + v % 4);
}

// mma.sync m16n8k16 (warp32), g = lane / 4, t = lane % 4: A rows g and
// g + 8, B column g, k {2t, 2t+1, 2t+8, 2t+9} loaded as the run at 4t;
// D (g + 8 * (v / 2), 2t + v % 2), two values per row.
TEST(LaneRolesTest, MmaSyncMatchesThePtxIsa) {
  LaneRoles roles = rolesOf({16, 8, 16}, 32);
  EXPECT_EQ(roles.kPerRow, 4);
  ASSERT_EQ(roles.aRows.size(), 2u);
  EXPECT_EQ(roles.dColumnRun, 2);
  for (int64_t lane = 0; lane < 32; ++lane) {
    int64_t g = lane / 4, t = lane % 4;
    EXPECT_EQ(roles.aRows[0].at(lane), g);
    EXPECT_EQ(roles.aRows[1].at(lane), g + 8);
    EXPECT_EQ(roles.bCol.at(lane), g);
    EXPECT_EQ(roles.kGroup.at(lane), t);
    for (int64_t v = 0; v < 4; ++v) {
      EXPECT_EQ(roles.d[v].first.at(lane), g + 8 * (v / 2));
      EXPECT_EQ(roles.d[v].second.at(lane), 2 * t + v % 2);
    }
  }
  // a0a1 row g slots 0,1; a2a3 row g+8; a4a5 row g slots 2,3; a6a7 row g+8.
  int64_t rows[] = {0, 0, 1, 1, 0, 0, 1, 1}, slots[] = {0, 1, 0, 1, 2, 3, 2, 3};
  for (int64_t v = 0; v < 8; ++v) {
    EXPECT_EQ(roles.aFeed[v].row, rows[v]);
    EXPECT_EQ(roles.aFeed[v].slot, slots[v]);
  }
  for (int64_t v = 0; v < 4; ++v)
    EXPECT_EQ(roles.bFeed[v].slot, v);
}

} // namespace
