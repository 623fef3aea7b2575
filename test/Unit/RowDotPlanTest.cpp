//===- RowDotPlanTest.cpp - unit tests of the row-dot GEMM plans ----------===//
//
// Checks the row-dot and mma_row_dot plans of the grouped GEMM
// (RowDotPlan.cpp) against the rules they encode, on every chip.
//
//===----------------------------------------------------------------------===//

#include "PlanTestHelpers.h"
#include "TestChips.h"

#include <gtest/gtest.h>

using namespace mlir::moe;
using mlir::moe::test::chip;
using mlir::moe::test::expectAttrRoundTrip;
using mlir::moe::test::plan;

namespace {

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
    GroupedMatmulProblem p{blockM,          64,   2880, 1, true,
                           GemmLoads::Auto, 5760, 128,  4, tokens};
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

} // namespace
