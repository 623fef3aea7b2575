//===- GroupedMatmulPlanTest.cpp - unit tests of the grouped GEMM plan ----===//
//
// Checks planGroupedMatmul against the rules it encodes, on every chip
// (the row-dot and mma_row_dot plans: RowDotPlanTest.cpp).
//
//===----------------------------------------------------------------------===//

#include "PlanTestHelpers.h"
#include "TestChips.h"
#include "TunedPlans.h"

#include <gtest/gtest.h>

using namespace mlir::moe;
using mlir::moe::test::chip;
using mlir::moe::test::expectAttrRoundTrip;
using mlir::moe::test::plan;

namespace {

// Every plan over a sweep of shapes keeps the invariants the emitter relies
// on: the waves cover the columns exactly, groups divide the wave's tiles,
// slices divide the k steps, the accumulators stay within budget, staged
// buffers fit the LDS budget and the register loop's unroll divides its
// steps; checkGroupedMatmulPlan accepts it and its attribute reads back the
// same.
TEST(GroupedMatmulPlanTest, InvariantsOverShapes) {
  int planned = 0, refused = 0;
  for (llvm::StringRef name : {"gfx942", "gfx950", "sm_90"}) {
    const ChipInfo &c = chip(name);
    for (int64_t blockM : {16, 32, 64, 128})
      for (int64_t tileN : {16, 32, 64, 128, 256})
        for (int64_t depth : {64, 768, 2048, 2880, 7168})
          for (bool gated : {false, true})
            for (GemmLoads loads :
                 {GemmLoads::Registers, GemmLoads::AsyncCopy,
                  GemmLoads::SharedTiles, GemmLoads::WarpgroupTiles,
                  GemmLoads::Auto}) {
              std::string error;
              std::optional<GroupedMatmulPlan> p = planGroupedMatmul(
                  c, {blockM, tileN, depth, 2, gated, loads}, error);
              if (!p) {
                // Only forced copies may be refused, with the reason; shared
                // tiles only off NVIDIA or where K is not a multiple of 32;
                // warpgroup tiles also where block_m is not 64-row tiles.
                EXPECT_TRUE(loads == GemmLoads::AsyncCopy ||
                            loads == GemmLoads::SharedTiles ||
                            loads == GemmLoads::WarpgroupTiles);
                if (loads == GemmLoads::AsyncCopy)
                  EXPECT_NE(error.find("cannot load through async copies"),
                            std::string::npos);
                else if (loads == GemmLoads::WarpgroupTiles)
                  EXPECT_TRUE(!c.warpgroupMMA || depth % 32 != 0 ||
                              blockM % 64 != 0)
                      << error;
                else
                  EXPECT_TRUE(c.vendor != GPUVendor::NVIDIA || depth % 32 != 0)
                      << error;
                ++refused;
                continue;
              }
              ++planned;
              EXPECT_EQ(checkGroupedMatmulPlan(
                            c, {blockM, tileN, depth, 2, gated, loads}, *p),
                        "");
              expectAttrRoundTrip(c, {blockM, tileN, depth, 2, gated, loads},
                                  *p);
              SCOPED_TRACE(name.str() + " blockM " + std::to_string(blockM) +
                           " tileN " + std::to_string(tileN) + " K " +
                           std::to_string(depth));
              EXPECT_EQ(p->wavesN * p->tilesPerWave * p->mma.n, p->blockN);
              EXPECT_EQ(p->tilesPerWave % p->group, 0);
              EXPECT_EQ(p->shared.has_value(),
                        loads == GemmLoads::SharedTiles ||
                            loads == GemmLoads::WarpgroupTiles ||
                            (loads == GemmLoads::Auto && name == "sm_90" &&
                             depth % 32 == 0));
              // Warpgroup MMAs where asked for, and by default on sm_90's
              // 64-row blocks only.
              EXPECT_TRUE(!p->warpgroup || loads == GemmLoads::WarpgroupTiles ||
                          (loads == GemmLoads::Auto && blockM % 64 == 0));
              EXPECT_EQ(p->warpgroup && loads != GemmLoads::Auto,
                        loads == GemmLoads::WarpgroupTiles);
              if (p->shared) {
                // Waves of row_group x 16 rows cover the block; each holds
                // all its column tiles; every thread copies equally; the
                // ring fits the budget.
                const SharedTilePlan &ring = *p->shared;
                EXPECT_EQ(p->wavesM * p->rowGroup * p->mma.m, blockM);
                EXPECT_LE(p->wavesM * p->wavesN, kSharedWaves);
                EXPECT_EQ(p->group, p->tilesPerWave);
                EXPECT_EQ(p->slices, 1);
                EXPECT_EQ(ring.threads, p->threads(c));
                EXPECT_EQ(ring.aRows, blockM);
                EXPECT_EQ(ring.bRows, p->chains() / p->group * p->blockN);
                EXPECT_EQ(depth % ring.kTile, 0);
                EXPECT_EQ(ring.aRows * ring.chunks() % ring.threads, 0);
                EXPECT_EQ(ring.bRows * ring.chunks() % ring.threads, 0);
                EXPECT_GE(ring.stages, 2);
                if (p->warpgroup) {
                  // Warpgroups of 4 waves and 64-row tiles; the ring may
                  // take the whole SM, aligned for the MMAs' swizzle.
                  EXPECT_EQ(p->wavesM % 4, 0);
                  EXPECT_EQ(blockM % 64, 0);
                  EXPECT_LE(p->tilesPerWave * p->mma.n, 256);
                  EXPECT_LE(p->rowGroup * p->chains(), 32);
                  EXPECT_EQ(ring.alignBytes, 1024);
                  EXPECT_LE(ring.bytes(2), sharedTileMaxBytes(c));
                } else if (ring.kTile == 128) {
                  // The model's long-K ring of a gated GEMM: three stages
                  // that may take the whole SM.
                  EXPECT_TRUE(p->gated);
                  EXPECT_GE(depth / 128, kLongKTiles);
                  EXPECT_EQ(ring.stages, 3);
                  EXPECT_LE(ring.bytes(2), sharedTileMaxBytes(c));
                } else {
                  EXPECT_LE(ring.bytes(2), sharedTileBudgetBytes(c));
                }
                continue;
              }
              EXPECT_LE(p->wavesN * p->slices, kGroupedMatmulWaves);
              EXPECT_EQ(p->steps % p->slices, 0);
              EXPECT_EQ(p->steps, p->sliceSteps * p->slices);
              EXPECT_EQ(p->blockM % (p->rowGroup * p->mma.m), 0);
              EXPECT_LE(p->laneAccValues(), kGroupedMatmulAccValues);
              EXPECT_TRUE(p->slices == 1 || p->rowGroup == 1);
              EXPECT_LE(p->threads(c), 1024);
              if (p->staging) {
                EXPECT_GE(p->staging->stages, 2);
                EXPECT_EQ(p->staging->slots, p->chains() + p->aRowsPerStep);
                EXPECT_LE(p->staging->stages * p->staging->bufferElems() * 2 +
                              4 * p->partialElems(c),
                          c.stagingLdsBytes);
                EXPECT_EQ(p->unroll, 1);
              } else {
                EXPECT_NE(loads, GemmLoads::AsyncCopy);
                EXPECT_EQ(p->sliceSteps % p->unroll, 0);
                EXPECT_TRUE(p->unroll == 1 ||
                            p->unroll * (p->aRowsPerStep + p->chains()) <=
                                kLoadsInFlight);
              }
            }
  }
  EXPECT_GT(planned, 0);
  EXPECT_GT(refused, 0); // wide gfx942 tiles do not fit its 32 KiB budget
}

// The default: shared tiles on sm_90 at decode and prefill blocks alike;
// on AMD, decode stages loads through async copies where one copy moves a
// lane's 16-byte fragment (gfx950) and keeps register loads where it does
// not (gfx942); prefill blocks keep register loads on AMD. A K that is not a
// multiple of 32 falls back on sm_90 to the per-lane copies.
TEST(GroupedMatmulPlanTest, AutoLoadsPerChip) {
  GroupedMatmulProblem decode{16, 128, 2880, 2, true, GemmLoads::Auto};
  GroupedMatmulProblem prefill{64, 128, 2880, 2, true, GemmLoads::Auto};
  EXPECT_TRUE(plan("sm_90", decode).shared.has_value());
  EXPECT_TRUE(plan("sm_90", prefill).shared.has_value());
  GroupedMatmulPlan gfx950 = plan("gfx950", decode);
  ASSERT_TRUE(gfx950.staging.has_value());
  EXPECT_EQ(gfx950.staging->pieces, 1);
  EXPECT_FALSE(plan("gfx942", decode).staging.has_value());
  for (llvm::StringRef name : {"gfx942", "gfx950"}) {
    EXPECT_FALSE(plan(name, prefill).staging) << name.str();
    EXPECT_FALSE(plan(name, prefill).shared) << name.str();
  }
  GroupedMatmulPlan k40 =
      plan("sm_90", {16, 128, 40, 2, true, GemmLoads::Auto});
  EXPECT_FALSE(k40.shared.has_value());
  EXPECT_TRUE(k40.staging.has_value());
}

// Gated: block_n counts weight rows, so the output columns are half; never
// fewer than the MMA's n.
TEST(GroupedMatmulPlanTest, GatedBlockNIsHalfTheWeightRows) {
  EXPECT_EQ(
      plan("sm_90", {16, 128, 2048, 2, true, GemmLoads::Registers}).blockN, 64);
  EXPECT_EQ(
      plan("sm_90", {16, 128, 2048, 2, false, GemmLoads::Registers}).blockN,
      128);
  EXPECT_EQ(
      plan("gfx942", {16, 16, 2048, 2, true, GemmLoads::Registers}).blockN, 16);
}

// A block of one column tile leaves three of the four waves to split K:
// their partial sums meet in LDS, and the slices divide the k steps.
TEST(GroupedMatmulPlanTest, NarrowBlocksSplitK) {
  GroupedMatmulPlan p =
      plan("gfx942", {16, 16, 2048, 2, false, GemmLoads::Registers});
  EXPECT_EQ(p.wavesN, 1);
  EXPECT_EQ(p.slices, 4);
  EXPECT_EQ(p.rowGroup, 1);
  EXPECT_GT(p.partialElems(chip("gfx942")), 0);
  // 2880 / 32 = 90 k steps on gfx942 do not split in four: two slices.
  EXPECT_EQ(
      plan("gfx942", {16, 16, 2880, 2, false, GemmLoads::Registers}).slices, 2);
}

// Prefill: a 64-row block multiplies all four 16-row tiles with each
// weight load when the accumulators fit (4 column tiles x 4 row tiles).
TEST(GroupedMatmulPlanTest, WideRowBlocksReuseWeightLoads) {
  GroupedMatmulPlan p =
      plan("sm_90", {64, 128, 4096, 2, false, GemmLoads::Registers});
  EXPECT_EQ(p.wavesN, 4);
  EXPECT_EQ(p.group, 4);
  EXPECT_EQ(p.rowGroup, 4);
  // Gated, the chains double and the row group halves.
  EXPECT_EQ(
      plan("sm_90", {64, 256, 4096, 2, true, GemmLoads::Registers}).rowGroup,
      2);
}

// Measured plans (TunedPlans.inc) are taken for the problem and token
// count they were measured at, and only there; each one checks on its chip.
TEST(GroupedMatmulPlanTest, MeasuredPlansOnlyWhereMeasured) {
  // Qwen3-235B TP4's GEMM2 (E = 128, k = 8, 4096 weight rows, K = 384).
  GroupedMatmulProblem qwen{16,   64,  384, 2, false, GemmLoads::Auto,
                            4096, 128, 8,   1};
  std::optional<GemmPlanChoice> tuned = lookupTunedPlan(chip("sm_90"), qwen);
  ASSERT_TRUE(tuned.has_value());
  GroupedMatmulPlan p = plan("sm_90", qwen);
  EXPECT_EQ(p.slices, tuned->slices);
  EXPECT_EQ(p.blockN, tuned->blockN);
  std::string error;
  EXPECT_TRUE(planFromChoice(chip("sm_90"), qwen, *tuned, error)) << error;
  for (int64_t tokens : {0, 2, 4096}) {
    GroupedMatmulProblem other = qwen;
    other.tokens = tokens;
    EXPECT_FALSE(lookupTunedPlan(chip("sm_90"), other)) << tokens;
  }
  EXPECT_FALSE(lookupTunedPlan(chip("gfx942"), qwen));
  GroupedMatmulProblem wider = qwen;
  wider.depth = 768;
  EXPECT_FALSE(lookupTunedPlan(chip("sm_90"), wider));
}

TEST(GroupedMatmulPlanTest, ZeroChoicesAreDiagnosed) {
  GroupedMatmulProblem p{16, 64, 2048, 2, false, GemmLoads::Auto};
  std::string error;
  EXPECT_FALSE(planFromChoice(
      chip("sm_90"), p, {64, 0, 1, 1, 1, KernelLoads::Registers, 0, 1}, error));
  EXPECT_NE(error.find("waves_n"), std::string::npos) << error;
}

// A shared-tile choice may force the ring's k tile: 128 gives 256-byte rows
// a stage and reads back through its attribute; the model's plans name it
// only where they take it (a gated long K); warpgroup plans refuse it.
TEST(GroupedMatmulPlanTest, ForcedKTile) {
  GroupedMatmulProblem p{16, 128, 4096, 2, true, GemmLoads::Auto};
  std::string error;
  std::optional<GroupedMatmulPlan> plan = planFromChoice(
      chip("sm_90"), p, {64, 4, 1, 2, 1, KernelLoads::SharedTiles, 2, 1, 128},
      error);
  ASSERT_TRUE(plan) << error;
  ASSERT_TRUE(plan->shared);
  EXPECT_EQ(plan->shared->kTile, 128);
  EXPECT_EQ(plan->shared->chunks(), 16);
  EXPECT_EQ(plan->shared->bytes(2), 2 * (16 + 128) * 128 * 2);
  expectAttrRoundTrip(chip("sm_90"), p, *plan);
  mlir::MLIRContext ctx;
  ctx.getOrLoadDialect<mlir::moe::MoEDialect>();
  // The model: 128-element k tiles in three stages for a gated K of at
  // least kLongKTiles of them, spelled in the attribute; 64 for a short K
  // or rows that are not gated, unspelled.
  std::optional<GroupedMatmulPlan> model =
      planGroupedMatmul(chip("sm_90"), p, error);
  ASSERT_TRUE(model && model->shared) << error;
  EXPECT_EQ(model->shared->kTile, 128);
  EXPECT_EQ(model->shared->stages, 3);
  EXPECT_EQ(toAttr(&ctx, *model).getKTile(), 128);
  expectAttrRoundTrip(chip("sm_90"), p, *model);
  for (GroupedMatmulProblem other :
       {GroupedMatmulProblem{16, 128, 4096, 2, false, GemmLoads::Auto},
        GroupedMatmulProblem{16, 128, 128 * (kLongKTiles - 1), 2, true,
                             GemmLoads::Auto}}) {
    model = planGroupedMatmul(chip("sm_90"), other, error);
    ASSERT_TRUE(model && model->shared) << error;
    EXPECT_EQ(model->shared->kTile, 64);
    EXPECT_FALSE(toAttr(&ctx, *model).getKTile());
  }
  EXPECT_FALSE(planFromChoice(
      chip("sm_90"), {64, 128, 4096, 2, false, GemmLoads::Auto},
      {128, 1, 1, 16, 1, KernelLoads::WarpgroupTiles, 2, 1, 128}, error));
  EXPECT_NE(error.find("k tile 128"), std::string::npos) << error;
}

// A chip without a 16-row bf16 MMA gets no plan, with the reason.
TEST(GroupedMatmulPlanTest, NoSixteenRowMMAIsDiagnosed) {
  ChipInfo without = chip("gfx942");
  without.bf16MMA = {};
  std::string error;
  EXPECT_FALSE(planGroupedMatmul(
      without, {16, 64, 2048, 2, false, GemmLoads::Auto}, error));
  EXPECT_EQ(error, "has no 16-row bf16 MMA on gfx942");
}

// A chip whose MMA layout gives no lane roles the GEMM can feed (here a
// 16x8x16 MMA on a wave of 64, whose lanes hold 4 k of A but 2 of B) gets
// no plan, with the reason from deriveLaneRoles.
TEST(GroupedMatmulPlanTest, LayoutWithoutLaneRolesIsDiagnosed) {
  static const MMAShape narrow[] = {{16, 8, 16}};
  ChipInfo odd = chip("gfx942");
  odd.bf16MMA = narrow;
  std::string error;
  EXPECT_FALSE(
      planGroupedMatmul(odd, {16, 64, 2048, 2, false, GemmLoads::Auto}, error));
  EXPECT_EQ(error, "has no lane roles for its MMA on gfx942: lane 0 holds "
                   "different k of A and B");
}

} // namespace
