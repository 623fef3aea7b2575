//===- PlanTestHelpers.h - helpers of the GEMM plan unit tests --*- C++ -*-===//
//
// What GroupedMatmulPlanTest.cpp and RowDotPlanTest.cpp share: the model's
// plan of a problem, and the check that a plan's attribute reads back the
// same plan.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TEST_UNIT_PLANTESTHELPERS_H
#define MOE_TEST_UNIT_PLANTESTHELPERS_H

#include "GroupedMatmulPlan.h"
#include "TestChips.h"

#include <gtest/gtest.h>

namespace mlir::moe::test {

inline GroupedMatmulPlan plan(llvm::StringRef chipName,
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
inline void expectAttrRoundTrip(const ChipInfo &c,
                                const GroupedMatmulProblem &p,
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

} // namespace mlir::moe::test

#endif // MOE_TEST_UNIT_PLANTESTHELPERS_H
