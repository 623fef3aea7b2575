//===- RowDotPlan.h - decisions of the row-dot GEMM kernel ------*- C++ -*-===//
//
// The row-dot plan of the grouped GEMM (decode without MMAs; the kernel is
// RowDotKernel.cpp): when the model picks it, its shape, and its checks.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_CONVERSION_MOETOGPU_ROWDOTPLAN_H
#define MOE_CONVERSION_MOETOGPU_ROWDOTPLAN_H

#include "GroupedMatmulPlan.h"

#include <string>

namespace mlir::moe {

/// Whether the model picks row dot products for `p` on `chip`.
bool rowDotPays(const ChipInfo &chip, const GroupedMatmulProblem &p);

/// The fields every row-dot plan of `p` has (16-byte runs, a lane's runs
/// per row, no K slices), from `base` (basePlan's fields).
GroupedMatmulPlan rowDotBase(const ChipInfo &chip,
                             const GroupedMatmulProblem &p,
                             GroupedMatmulPlan base);

/// The model's row-dot plan of `p`, from `base` (basePlan's fields).
GroupedMatmulPlan planRowDot(const ChipInfo &chip,
                             const GroupedMatmulProblem &p,
                             GroupedMatmulPlan base);

/// Whether an mma_row_dot plan can multiply `p` on `chip` (mma.sync; fp4
/// weights with mx scales, bf16 A; or OCP fp8 weights and A with scale
/// groups of whole steps; K a multiple of a run).
bool mmaRowDotFits(const ChipInfo &chip, const GroupedMatmulProblem &p);

/// The fields every mma_row_dot plan of `p` has (rowDotBase's, and a
/// lane's runs over its row quad), from `base` (basePlan's fields).
GroupedMatmulPlan mmaRowDotBase(const ChipInfo &chip,
                                const GroupedMatmulProblem &p,
                                GroupedMatmulPlan base);

/// The staging of an fp8 mma_row_dot plan's runs through LDS with `stages`
/// stages (0: the most that fit the static LDS beside the slices' partial
/// sums, up to kMaxStagedSteps), or nullopt where fewer than `stages` (or
/// than 2) fit or the weights are not fp8.
std::optional<StagingPlan> planMMARowDotStaging(const ChipInfo &chip,
                                                const GroupedMatmulProblem &p,
                                                const GroupedMatmulPlan &plan,
                                                int64_t stages = 0);

/// The model's mma_row_dot plan of `p`, from `base` (basePlan's fields).
GroupedMatmulPlan planMMARowDot(const ChipInfo &chip,
                                const GroupedMatmulProblem &p,
                                GroupedMatmulPlan base);

/// Why the row-dot plan `plan` cannot run `p` on `chip` (expected vs.
/// found), or the empty string.
std::string checkRowDotPlan(const ChipInfo &chip, const GroupedMatmulProblem &p,
                            const GroupedMatmulPlan &plan);

} // namespace mlir::moe

#endif // MOE_CONVERSION_MOETOGPU_ROWDOTPLAN_H
