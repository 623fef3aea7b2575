//===- GroupedMatmulPlanTest.cpp - unit tests of the grouped GEMM plan ----===//
//
// Checks planGroupedMatmul against the rules it encodes, on every chip.
//
//===----------------------------------------------------------------------===//

#include "GroupedMatmulPlan.h"
#include "TestChips.h"
#include "TunedPlans.h"

#include <gtest/gtest.h>

using namespace mlir::moe;
using mlir::moe::test::chip;

namespace {

GroupedMatmulPlan plan(llvm::StringRef chipName,
                       const GroupedMatmulProblem &problem) {
  std::string error;
  std::optional<GroupedMatmulPlan> p =
      planGroupedMatmul(chip(chipName), problem, error);
  EXPECT_TRUE(p.has_value()) << error;
  return p.value_or(GroupedMatmulPlan{});
}

/// The plan spelled as an attribute and read back (what the lowering does
/// with a plan in the IR) is the same plan, field by field: the emitter,
/// which reads only the plan, builds the same kernel.
void expectAttrRoundTrip(const ChipInfo &c, const GroupedMatmulProblem &p,
                         const GroupedMatmulPlan &plan) {
  static mlir::MLIRContext ctx;
  ctx.getOrLoadDialect<mlir::moe::MoEDialect>();
  std::string error;
  std::optional<GroupedMatmulPlan> back =
      planFromAttr(c, p, toAttr(&ctx, plan), error);
  ASSERT_TRUE(back.has_value()) << error;
  EXPECT_EQ(back->mma.m, plan.mma.m);
  EXPECT_EQ(back->mma.n, plan.mma.n);
  EXPECT_EQ(back->mma.k, plan.mma.k);
  for (auto [got, want] : {std::pair{back->blockM, plan.blockM},
                           {back->blockN, plan.blockN},
                           {back->wavesN, plan.wavesN},
                           {back->slices, plan.slices},
                           {back->tilesPerWave, plan.tilesPerWave},
                           {back->group, plan.group},
                           {back->rowGroup, plan.rowGroup},
                           {back->steps, plan.steps},
                           {back->sliceSteps, plan.sliceSteps},
                           {back->kLoad, plan.kLoad},
                           {back->aRowsPerStep, plan.aRowsPerStep},
                           {back->unroll, plan.unroll},
                           {back->accValues, plan.accValues},
                           {back->wavesM, plan.wavesM},
                           {back->runsPerLane, plan.runsPerLane}})
    EXPECT_EQ(got, want);
  EXPECT_EQ(back->rowDot, plan.rowDot);
  ASSERT_EQ(back->shared.has_value(), plan.shared.has_value());
  if (plan.shared) {
    EXPECT_EQ(back->shared->stages, plan.shared->stages);
    EXPECT_EQ(back->shared->kTile, plan.shared->kTile);
    EXPECT_EQ(back->shared->aRows, plan.shared->aRows);
    EXPECT_EQ(back->shared->bRows, plan.shared->bRows);
    EXPECT_EQ(back->shared->threads, plan.shared->threads);
  }
  EXPECT_EQ(back->gated, plan.gated);
  ASSERT_EQ(back->staging.has_value(), plan.staging.has_value());
  if (plan.staging) {
    EXPECT_EQ(back->staging->stages, plan.staging->stages);
    EXPECT_EQ(back->staging->slots, plan.staging->slots);
    EXPECT_EQ(back->staging->pieces, plan.staging->pieces);
    EXPECT_EQ(back->staging->pieceElems, plan.staging->pieceElems);
    EXPECT_EQ(back->staging->waves, plan.staging->waves);
    EXPECT_EQ(back->staging->waveSize, plan.staging->waveSize);
  }
}

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

// Row-dot plans (forced) on every chip and a sweep of decode shapes: the
// wave's lanes cover K in 16-byte runs with less than one round of masked
// lanes, the unroll divides a lane's runs, the waves' groups divide block_n,
// the runs and sums stay within the register budget, each wave streams a
// few columns, and the attribute reads back the same plan.
TEST(GroupedMatmulPlanTest, RowDotPlansOverShapes) {
  for (llvm::StringRef name : {"sm_90", "gfx942", "gfx950"}) {
    const ChipInfo &c = chip(name);
    for (int64_t depth : {192, 256, 384, 2880, 4096, 7168})
      for (bool gated : {false, true})
        for (int64_t rows : {384, 4096}) {
          GroupedMatmulProblem p{16,   64,  depth, 2, gated, GemmLoads::RowDot,
                                 rows, 128, 8,     1};
          GroupedMatmulPlan rd = plan(name, p);
          SCOPED_TRACE(name.str() + " K " + std::to_string(depth) +
                       (gated ? " gated" : "") + " N " + std::to_string(rows));
          ASSERT_TRUE(rd.rowDot);
          EXPECT_EQ(rd.kLoad, 8);
          int64_t round = c.waveSize * rd.kLoad;
          EXPECT_GE(rd.runsPerLane * round, depth);
          EXPECT_LT(rd.runsPerLane * round, depth + round);
          EXPECT_EQ(rd.runsPerLane % rd.unroll, 0);
          EXPECT_EQ(rd.blockN % (rd.wavesN * rd.group), 0);
          EXPECT_EQ(rd.tilesPerWave * rd.wavesN, rd.blockN);
          EXPECT_LE(rd.rowDotRegisters(16, 2), 128);
          EXPECT_EQ(rd.slices, 1);
          EXPECT_EQ(checkGroupedMatmulPlan(c, p, rd), "");
          expectAttrRoundTrip(c, p, rd);
        }
  }
}

// The model streams long weight rows with row dot products at decode on
// NVIDIA (routes at most a quarter of the experts, K >= 2048), as measured
// on the H200: one column's gate and up rows per wave, 4 runs per step;
// not with short rows, more routes, an unknown T, or on AMD.
TEST(GroupedMatmulPlanTest, RowDotByTheModel) {
  GroupedMatmulProblem qwen1{16,  32,  4096, 2, true, GemmLoads::Auto,
                             768, 128, 8,    1};
  GroupedMatmulPlan rd = plan("sm_90", qwen1);
  ASSERT_TRUE(rd.rowDot);
  EXPECT_EQ(rd.blockN, 4);
  EXPECT_EQ(rd.wavesN, 4);
  EXPECT_EQ(rd.group, 1);
  EXPECT_EQ(rd.unroll, 4);
  GroupedMatmulProblem twoColumns = qwen1;
  twoColumns.gated = false;
  EXPECT_EQ(plan("sm_90", twoColumns).group, 2);
  for (auto change : {+[](GroupedMatmulProblem &p) { p.depth = 384; },
                      +[](GroupedMatmulProblem &p) { p.tokens = 5; },
                      +[](GroupedMatmulProblem &p) { p.tokens = 0; }}) {
    GroupedMatmulProblem other = qwen1;
    change(other);
    EXPECT_FALSE(plan("sm_90", other).rowDot)
        << other.depth << " " << other.tokens;
  }
  EXPECT_FALSE(plan("gfx942", qwen1).rowDot);
  EXPECT_FALSE(plan("gfx950", qwen1).rowDot);
}

// A GEMM that sums each token's routes (sum_routes) streams a column's k
// weight rows as one row of k x K: one run a step, one column per step
// until the call's waves (T x N / group) pass 32 per SM, as measured on
// the H200 (bench/results/h200/sum-routes/tune-t1); a top-k above the
// wave's lanes is diagnosed.
TEST(GroupedMatmulPlanTest, SummedRoutesRowDot) {
  GroupedMatmulProblem qwen{1,    64,  384, 2, false, GemmLoads::Auto,
                            4096, 128, 8,   1, true};
  for (llvm::StringRef name : {"sm_90", "gfx942", "gfx950"}) {
    SCOPED_TRACE(name.str());
    const ChipInfo &c = chip(name);
    GroupedMatmulPlan rd = plan(name, qwen);
    ASSERT_TRUE(rd.rowDot);
    EXPECT_EQ(rd.unroll, 1);
    EXPECT_EQ(rd.group, 1);
    EXPECT_EQ(rd.blockN, rd.wavesN);
    int64_t round = c.waveSize * rd.kLoad;
    EXPECT_GE(rd.runsPerLane * round, 8 * 384);
    EXPECT_LT(rd.runsPerLane * round, 8 * 384 + round);
    EXPECT_EQ(checkGroupedMatmulPlan(c, qwen, rd), "");
    expectAttrRoundTrip(c, qwen, rd);
  }
  EXPECT_EQ(plan("sm_90", qwen).runsPerLane, 12);
  // sm_90 fills 132 x 32 waves: 7168 columns take two a step, and so do
  // Qwen3's 4096 at T = 2; four at T = 3.
  GroupedMatmulProblem deepseek = qwen;
  deepseek.rows = 7168;
  deepseek.depth = 256;
  deepseek.experts = 256;
  EXPECT_EQ(plan("sm_90", deepseek).group, 2);
  GroupedMatmulProblem more = qwen;
  more.tokens = 2;
  EXPECT_EQ(plan("sm_90", more).group, 2);
  more.tokens = 3;
  EXPECT_EQ(plan("sm_90", more).group, 4);
  // 64 routes a token: more than a 32-lane wave holds.
  GroupedMatmulProblem wide = qwen;
  wide.topK = 64;
  wide.experts = 256;
  std::string error;
  EXPECT_FALSE(planGroupedMatmul(chip("sm_90"), wide, error).has_value());
  EXPECT_NE(error.find("at most the 32 lanes of a wave"), std::string::npos)
      << error;
}

// Slices of waves may split a row-dot lane's runs: the threads count them,
// their LDS holds one f32 per wave of slices 1.. and sum, and slices that
// do not divide the runs are diagnosed.
TEST(GroupedMatmulPlanTest, RowDotSlices) {
  GroupedMatmulProblem qwen{1,    64,  384, 2, false, GemmLoads::Auto,
                            4096, 128, 8,   1, true};
  const ChipInfo &c = chip("sm_90");
  std::string error;
  std::optional<GroupedMatmulPlan> two = planFromChoice(
      c, qwen, {4, 2, 2, 2, 1, KernelLoads::RowDot, 0, 1}, error);
  ASSERT_TRUE(two.has_value()) << error;
  EXPECT_EQ(two->threads(c), 128);
  EXPECT_EQ(two->partialElems(c), 1 * 2 * 1 * 2);
  expectAttrRoundTrip(c, qwen, *two);
  EXPECT_FALSE(
      planFromChoice(c, qwen, {4, 2, 5, 2, 1, KernelLoads::RowDot, 0, 1}, error)
          .has_value());
  EXPECT_NE(error.find("unroll x slices (1 x 5) to divide the 12 runs"),
            std::string::npos)
      << error;
}

// A choice with a zero field is diagnosed, not divided by.
// fp8 operands with scales take row-dot plans at every row block and chip
// (no MMA multiplies them yet): 16 fp8 weights a run against 32 bytes of a
// bf16 A, counted in the register budget; scale groups shorter than a run
// and forced MMA loads are diagnosed.
TEST(GroupedMatmulPlanTest, QuantizedOperandsTakeRowDot) {
  for (llvm::StringRef name : {"sm_90", "gfx942", "gfx950"})
    for (int64_t blockM : {1, 16, 64}) {
      GroupedMatmulProblem p{blockM,          64,  7168, 1, true,
                             GemmLoads::Auto, 512, 256,  8, 1};
      p.quantized = true;
      p.aElementBytes = 2;
      p.scaleGroupK = 128;
      GroupedMatmulPlan rd = plan(name, p);
      SCOPED_TRACE(name.str() + " block_m " + std::to_string(blockM));
      EXPECT_TRUE(rd.rowDot);
      EXPECT_EQ(rd.kLoad, 16);
      EXPECT_LE(rd.rowDotRegisters(8, 2), 128);
      EXPECT_EQ(checkGroupedMatmulPlan(chip(name), p, rd), "");
    }
  GroupedMatmulProblem p{16, 64, 2048, 1, false, GemmLoads::Auto};
  p.quantized = true;
  p.scaleGroupK = 8;
  std::string error;
  EXPECT_FALSE(planGroupedMatmul(chip("sm_90"), p, error));
  EXPECT_NE(error.find("scale groups along K (8 elements)"), std::string::npos)
      << error;
  p.scaleGroupK = 32;
  p.loads = GemmLoads::SharedTiles;
  EXPECT_FALSE(planGroupedMatmul(chip("sm_90"), p, error));
  EXPECT_NE(error.find("fp8 operands with scales"), std::string::npos) << error;
}

// fp4 weights (packed two per byte) stream 32 weights a run, still 16
// bytes, against 64 bytes of a bf16 A; mx scale groups (32) hold whole runs,
// shorter groups do not.
TEST(GroupedMatmulPlanTest, PackedFp4WeightsTakeRowDot) {
  for (llvm::StringRef name : {"sm_90", "gfx942", "gfx950"})
    for (bool gated : {true, false}) {
      GroupedMatmulProblem p{16,   64,  2880, 1, gated, GemmLoads::Auto,
                             5760, 128, 4,    1};
      p.quantized = true;
      p.aElementBytes = 2;
      p.weightBits = 4;
      p.scaleGroupK = 32;
      GroupedMatmulPlan rd = plan(name, p);
      SCOPED_TRACE(name.str() + (gated ? " gated" : ""));
      EXPECT_TRUE(rd.rowDot);
      EXPECT_EQ(rd.kLoad, 32);
      EXPECT_LE(rd.rowDotRegisters(4, 2), 128);
      EXPECT_EQ(checkGroupedMatmulPlan(chip(name), p, rd), "");
    }
  GroupedMatmulProblem p{16, 64, 2048, 1, false, GemmLoads::Auto};
  p.quantized = true;
  p.weightBits = 4;
  p.scaleGroupK = 16;
  std::string error;
  EXPECT_FALSE(planGroupedMatmul(chip("sm_90"), p, error));
  EXPECT_NE(error.find("scale groups along K (16 elements) to be a multiple "
                       "of the 32 elements"),
            std::string::npos)
      << error;
}

// fp4 weights with mx scales and bf16 A take mma_row_dot plans on sm_90
// (not on AMD, not without the operands' flag): one route tile a pass at
// decode, two where blocks hold more than 4 routes on average (gpt-oss at
// T = 256: 8), K slices where the call has too few warps (T = 1 in route
// order), and a register cap for one route tile.
TEST(GroupedMatmulPlanTest, Fp4MxWeightsTakeMMARowDotOnSm90) {
  auto problem = [](int64_t blockM, int64_t tokens, bool mma) {
    GroupedMatmulProblem p{blockM, 64,  2880, 1, true, GemmLoads::Auto,
                           5760,   128, 4,    tokens};
    p.quantized = true;
    p.aElementBytes = 2;
    p.weightBits = 4;
    p.scaleGroupK = 32;
    p.mmaRowDotOperands = mma;
    return p;
  };
  GroupedMatmulPlan decode = plan("sm_90", problem(1, 1, true));
  EXPECT_TRUE(decode.rowDot && decode.mmaRowDot);
  EXPECT_EQ(decode.rowGroup, 8);
  EXPECT_GT(decode.slices, 1);
  EXPECT_EQ(decode.blockN % (decode.wavesN * decode.group * 8), 0);
  EXPECT_EQ(decode.runsPerLane, 23); // 90 runs of 32 codes over 4 lanes
  EXPECT_EQ(decode.minWorkgroupsPerSM(decode.threads(chip("sm_90"))),
            65536 / (128 * decode.threads(chip("sm_90"))));
  GroupedMatmulPlan prefill = plan("sm_90", problem(16, 256, true));
  EXPECT_TRUE(prefill.mmaRowDot);
  EXPECT_EQ(prefill.rowGroup, 16);
  EXPECT_EQ(prefill.minWorkgroupsPerSM(128), 0);
  EXPECT_LE(prefill.mmaRowDotRegisters(2, false, false), 128);
  for (const GroupedMatmulPlan &p : {decode, prefill})
    EXPECT_EQ(checkGroupedMatmulPlan(chip("sm_90"), problem(16, 1, true), p),
              "");
  EXPECT_FALSE(plan("gfx950", problem(16, 16, true)).mmaRowDot);
  EXPECT_FALSE(plan("sm_90", problem(16, 16, false)).mmaRowDot);
}

// DeepSeek-V3's a8w8 GEMM1 (fp8 weights in 128x128 blocks, fp8 activations
// per token group of 128) takes fp8 mma_row_dot on sm_90: 16-byte runs of
// 16 k staged through LDS, two a step (128 k, one scale group) of one
// 16-row tile; mx scale groups (32 k) do not fit a step and keep the
// row-dot kernel, and so does gfx950.
TEST(GroupedMatmulPlanTest, Fp8WeightsAndActivationsTakeMMARowDotOnSm90) {
  auto problem = [](int64_t scaleGroupK, int64_t tokens) {
    GroupedMatmulProblem p{16,  64,  7168, 1,     true, GemmLoads::Auto,
                           512, 256, 8,    tokens};
    p.quantized = true;
    p.aElementBytes = 1;
    p.scaleGroupK = scaleGroupK;
    p.mmaRowDotOperands = true;
    return p;
  };
  GroupedMatmulPlan blocks = plan("sm_90", problem(128, 16));
  EXPECT_TRUE(blocks.rowDot && blocks.mmaRowDot);
  EXPECT_EQ(blocks.kLoad, 16);
  EXPECT_EQ(blocks.runsPerLane, 112); // 448 runs of 16 k over 4 lanes
  EXPECT_EQ(blocks.unroll, 2);
  ASSERT_TRUE(blocks.staging.has_value());
  EXPECT_GE(blocks.staging->stages, 2);
  EXPECT_EQ(blocks.group, 1);
  EXPECT_EQ(blocks.staging->slots, 2 * (2 + 1)); // 2 runs of 2 rows and A
  EXPECT_LE(blocks.mmaRowDotRegisters(1, true, true), 128);
  EXPECT_EQ(checkGroupedMatmulPlan(chip("sm_90"), problem(128, 16), blocks),
            "");
  // At T = 1 the call has few blocks: 8 slices split the rows' runs, and
  // two runs a step of 8 waves do not fit two stages of the 48 KiB beside
  // the slices' sums, so the plan takes one run a step (3 stages).
  GroupedMatmulPlan decode = plan("sm_90", problem(128, 1));
  EXPECT_TRUE(decode.mmaRowDot);
  EXPECT_EQ(decode.slices, 8);
  EXPECT_EQ(decode.unroll, 1);
  ASSERT_TRUE(decode.staging.has_value());
  EXPECT_EQ(decode.staging->stages, 3);
  EXPECT_EQ(checkGroupedMatmulPlan(chip("sm_90"), problem(128, 1), decode), "");
  GroupedMatmulPlan mx = plan("sm_90", problem(32, 16));
  EXPECT_TRUE(mx.rowDot);
  EXPECT_FALSE(mx.mmaRowDot);
  EXPECT_FALSE(plan("gfx950", problem(128, 16)).mmaRowDot);
  // Groups of 64 k hold one run a step, not two.
  GroupedMatmulPlan narrow = plan("sm_90", problem(64, 16));
  EXPECT_TRUE(narrow.mmaRowDot);
  EXPECT_EQ(narrow.unroll, 1);
  blocks.unroll = 2;
  EXPECT_NE(checkGroupedMatmulPlan(chip("sm_90"), problem(64, 16), blocks)
                .find("a multiple of the 128 k of an fp8 mma_row_dot step"),
            std::string::npos);
}

// A lane of gpt-oss's fp4 GEMM1 reads 3 runs of a 2880-long row (one run a
// step): on sm_90 the model takes 4 columns a step to keep 8 runs in
// flight; blocks expected to hold several routes (T x k / E at T = 256: 8)
// take them 2 a pass (4 would not fit the registers beside the 64-byte A
// runs), with fewer columns. AMD keeps one route and one column a step
// (unmeasured; more took gfx950's fp8 kernels past their registers).
TEST(GroupedMatmulPlanTest, RowDotKeepsRunsInFlight) {
  GroupedMatmulProblem p{16,   256, 2880, 1, true, GemmLoads::Auto,
                         5760, 128, 4,    1};
  p.quantized = true;
  p.aElementBytes = 2;
  p.weightBits = 4;
  p.scaleGroupK = 32;
  GroupedMatmulPlan decode = plan("sm_90", p);
  EXPECT_EQ(decode.runsPerLane, 3);
  EXPECT_EQ(decode.unroll, 1);
  EXPECT_EQ(decode.group, 4);
  EXPECT_EQ(decode.rowGroup, 1);
  p.tokens = 256;
  GroupedMatmulPlan busy = plan("sm_90", p);
  EXPECT_EQ(busy.rowGroup, 2);
  EXPECT_EQ(busy.group, 2);
  EXPECT_LE(busy.rowDotRegisters(4, 2), 128);
  EXPECT_EQ(checkGroupedMatmulPlan(chip("sm_90"), p, busy), "");
  GroupedMatmulPlan amd = plan("gfx950", p);
  EXPECT_EQ(amd.rowGroup, 1);
  EXPECT_EQ(amd.group, 1);
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
