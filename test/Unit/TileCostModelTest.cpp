//===- TileCostModelTest.cpp - unit tests of the tile cost model ----------===//
//
// Checks selectTile against the reasoning it encodes, chip by chip.
//
//===----------------------------------------------------------------------===//

#include "moe/Target/TileCostModel.h"
#include "TestChips.h"

#include <gtest/gtest.h>

using namespace mlir::moe;
using mlir::moe::test::chip;

namespace {

int64_t ldsBytes(const TileChoice &t) {
  return 2 /*stages*/ * (t.blockM + t.blockN) * t.blockK * 2 /*bf16*/;
}

TEST(ChipTest, DescriptorsMatchDesign) {
  EXPECT_EQ(chip("gfx942").computeUnits, 304);
  EXPECT_EQ(chip("gfx942").waveSize, 64);
  EXPECT_EQ(chip("gfx942").ldsBytes, 64 * 1024);
  EXPECT_EQ(chip("gfx950").computeUnits, 256);
  EXPECT_EQ(chip("gfx950").ldsBytes, 160 * 1024);
  EXPECT_EQ(chip("sm_90").waveSize, 32);
  EXPECT_EQ(chip("gfx942").fp8, Fp8Flavor::FNUZ);
  EXPECT_EQ(chip("gfx950").fp8, Fp8Flavor::OCP);
  EXPECT_TRUE(chip("gfx950").scaledMMA);
  EXPECT_FALSE(chip("gfx942").scaledMMA);
  EXPECT_EQ(lookupChip("gfx1100"), nullptr);
}

// The case: T = 216, k = 4, E = 128 at EP8 (16 local experts):
// 6.75 routes per expert fit one 16-row block.
TEST(TileCostModelTest, EP8DecodeBatchPicksBlockM16OnGfx942) {
  GroupedGemmProblem p{216, 4, 128, 16, 5760, 2880, std::nullopt};
  TileChoice t = selectTile(chip("gfx942"), p);
  EXPECT_DOUBLE_EQ(t.routesPerExpert, 6.75);
  EXPECT_EQ(t.blockM, 16);
  EXPECT_LE(ldsBytes(t), chip("gfx942").ldsBytes);
}

// E[ceil(X / block_m)], X ~ Binomial(routes, 1 / E): the reference values
// are the exact sums over every count (rational arithmetic, Python).
TEST(TileCostModelTest, ExpectedBlocksPerExpert) {
  EXPECT_NEAR(expectedBlocksPerExpert(2048, 128, 16), 1.434158757, 1e-6);
  EXPECT_NEAR(expectedBlocksPerExpert(2048, 128, 32), 1.000121689, 1e-6);
  EXPECT_NEAR(expectedBlocksPerExpert(512, 8, 64), 1.466747063, 1e-6);
  EXPECT_NEAR(expectedBlocksPerExpert(512, 8, 128), 1.0, 1e-6);
  // Few routes: the chance that the expert gets any, 1 - (1 - 1/E)^routes.
  EXPECT_NEAR(expectedBlocksPerExpert(8, 128, 16), 0.060817459, 1e-8);
  // One expert takes every route.
  EXPECT_DOUBLE_EQ(expectedBlocksPerExpert(100, 1, 16), 7.0);
  EXPECT_DOUBLE_EQ(expectedBlocksPerExpert(0, 128, 16), 0.0);
  // Too many counts to sum: mean / block_m plus the mean of the padding.
  EXPECT_NEAR(expectedBlocksPerExpert(1e16, 2, 128), 1e16 / 2 / 128, 1.0);
}

// Expected row blocks per expert against padded MMAs: a block_m that just
// covers the mean count leaves about half of the experts a second block
// (their weights read twice), so the model takes the next size up; with
// fewer routes the counts fit either way and the smaller block wins.
TEST(TileCostModelTest, BlockMAvoidsSecondBlocks) {
  const ChipInfo &c = chip("gfx942");
  auto blockM = [&](int64_t tokens) {
    return selectTile(c, {tokens, 8, 128, 128, 1536, 2048, std::nullopt})
        .blockM;
  };
  EXPECT_EQ(blockM(1), 16);    // 0.06 routes per expert
  EXPECT_EQ(blockM(64), 16);   // 4: one block of 16 almost always
  EXPECT_EQ(blockM(256), 32);  // 16: 1.43 blocks of 16, 1.0001 of 32
  EXPECT_EQ(blockM(512), 64);  // 32
  EXPECT_EQ(blockM(1024), 128);  // 64
  EXPECT_EQ(blockM(16384), 128); // capped at 128
}

// A GEMM1 whose plan the tuning table measured at this T keeps the block_m
// it was measured at (MiniMax-M3 TP8 at T = 1024: 32, sm_90 only); one token
// more or less, or another chip, gets the model's (64 for 31-32 routes per
// expert).
TEST(TileCostModelTest, MeasuredBlockMBeatsTheModel) {
  GroupedGemmProblem minimax{1024, 4, 128, 128, 384, 3072, std::nullopt};
  EXPECT_EQ(selectTile(chip("sm_90"), minimax).blockM, 32);
  EXPECT_EQ(selectTile(chip("gfx942"), minimax).blockM, 64);
  minimax.tokens = 1000;
  EXPECT_EQ(selectTile(chip("sm_90"), minimax).blockM, 64);
}

// Route order (block_m 1, no moe.align) at decode where the chip streams
// decode weights as row dot products: at most E / 4 routes, every expert
// local, K of both GEMMs (H, and I = n / 2) in 16-byte runs.
TEST(TileCostModelTest, RouteOrderAtDecodeOnRowDotChips) {
  auto blockM = [](const char *name, GroupedGemmProblem p) {
    return selectTile(chip(name), p).blockM;
  };
  // Qwen3-235B TP4: E = 128, k = 8, 2I = 768, H = 4096.
  GroupedGemmProblem qwen{1, 8, 128, 128, 768, 4096, std::nullopt};
  EXPECT_EQ(blockM("sm_90", qwen), 1);
  EXPECT_EQ(blockM("gfx942", qwen), 16); // MFMA decode plans
  GroupedGemmProblem t4 = qwen, t5 = qwen, ep = qwen, off = qwen,
                     shortRun = qwen;
  t4.tokens = 4; // 32 routes = E / 4
  t5.tokens = 5; // 40 routes > E / 4
  ep.localExperts = 16;
  off.routeOrder = false;
  shortRun.n = 2 * 36; // I = 36: not whole 16-byte runs
  EXPECT_EQ(blockM("sm_90", t4), 1);
  EXPECT_EQ(blockM("sm_90", t5), 16);
  EXPECT_EQ(blockM("sm_90", ep), 16);
  EXPECT_EQ(blockM("sm_90", off), 16);
  EXPECT_EQ(blockM("sm_90", shortRun), 16);
}

// Sizes whose products do not fit int64 (a mutated program's top_k of
// 0x7FF0000000000000 once overflowed T * k here; make check-sanitize runs
// this under UBSan) still give a legal tile and a saturated workgroup count.
TEST(TileCostModelTest, HugeSizesDoNotOverflow) {
  const int64_t huge = int64_t{0x7FF0000000000000};
  for (GroupedGemmProblem p :
       {GroupedGemmProblem{4, huge, 4, 4, 8, 16, int64_t{32}},
        GroupedGemmProblem{huge, 8, 128, 128, huge, 2048, std::nullopt}}) {
    TileChoice t = selectTile(chip("gfx942"), p);
    EXPECT_GE(t.blockN, 16);
    EXPECT_GE(t.workgroups, 1);
    EXPECT_EQ(t.splitK, 1);
  }
}

TEST(TileCostModelTest, FixedBlockMIsKept) {
  TileChoice t = selectTile(chip("gfx950"),
                            {4096, 8, 128, 128, 1536, 2048, int64_t{32}});
  EXPECT_EQ(t.blockM, 32);
}

TEST(TileCostModelTest, WideBlockNWhenThereIsEnoughWork) {
  // Prefill: 4096 tokens give every expert 256 routes, 2 blocks of 128:
  // 256 row blocks x 12 column blocks of 128 fill 304 CUs many times over.
  TileChoice t = selectTile(chip("gfx942"),
                            {4096, 8, 128, 128, 1536, 2048, std::nullopt});
  EXPECT_EQ(t.blockM, 128);
  EXPECT_EQ(t.blockN, 128); // 256 would exceed 64 KiB of LDS with block_m 128
  EXPECT_EQ(t.splitK, 1);
  EXPECT_GE(t.workgroups, 304);
}

TEST(TileCostModelTest, GFX950LdsAllowsWiderTiles) {
  // The same prefill problem: 160 KiB of LDS fit 128 x 256 tiles.
  TileChoice t = selectTile(chip("gfx950"),
                            {4096, 8, 128, 128, 1536, 2048, std::nullopt});
  EXPECT_EQ(t.blockN, 256);
  EXPECT_LE(ldsBytes(t), chip("gfx950").ldsBytes);
}

TEST(TileCostModelTest, SplitKWhenTheChipCannotBeFilled) {
  // DeepSeek-V3 TP8 decode: one token, 8 experts, N = 512.
  TileChoice t = selectTile(chip("gfx942"),
                            {1, 8, 256, 256, 512, 7168, std::nullopt});
  EXPECT_EQ(t.blockM, 16);
  EXPECT_EQ(t.blockN, 16);
  EXPECT_EQ(t.splitK, 2); // 256 workgroups -> 512 >= 304
  EXPECT_GE(t.workgroups, 304);
}

TEST(TileCostModelTest, SplitKIsBoundedByTheReduction) {
  // K = 64 is a single block_k step: nothing to split.
  TileChoice t =
      selectTile(chip("gfx942"), {1, 1, 8, 8, 16, 64, std::nullopt});
  EXPECT_EQ(t.splitK, 1);
  EXPECT_EQ(t.blockK, 64);
}

TEST(TileCostModelTest, SmallReductionGetsASmallBlockK) {
  TileChoice t =
      selectTile(chip("sm_90"), {64, 2, 8, 8, 64, 32, std::nullopt});
  EXPECT_EQ(t.blockK, 32);
}

TEST(TileCostModelTest, TilesRespectMMAAndLDSOnEveryChip) {
  for (llvm::StringRef name : {"gfx942", "gfx950", "sm_90"}) {
    const ChipInfo &c = chip(name);
    for (int64_t tokens : {1, 16, 216, 1024, 4096})
      for (int64_t n : {256, 768, 2880, 5760}) {
        TileChoice t = selectTile(c, {tokens, 8, 128, 16, n, 2880,
                                      std::nullopt});
        SCOPED_TRACE(name.str() + " T=" + std::to_string(tokens) +
                     " N=" + std::to_string(n));
        EXPECT_LE(ldsBytes(t), c.ldsBytes);
        EXPECT_EQ(t.blockN % c.bf16MMA.front().n, 0);
        EXPECT_EQ(t.blockM % 16, 0);
        EXPECT_GE(t.splitK, 1);
      }
  }
}

} // namespace
