//===- TunedPlans.h - GEMM plans measured on a GPU --------------*- C++ -*-===//
//
// The table that bench/tune_plans.py writes (TunedPlans.inc): for a chip, a
// GEMM problem and a token count, the plan that ran fastest among the
// candidates timed there, where it beat the model's plan. The planner takes
// it before its model; problems and token counts not in the table get the
// model's plan.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_CONVERSION_MOETOGPU_TUNEDPLANS_H
#define MOE_CONVERSION_MOETOGPU_TUNEDPLANS_H

#include "GroupedMatmulPlan.h"

namespace mlir::moe {

/// The measured plan of `problem` on `chip` at its token count, if the
/// table has one (never for tokens = 0).
std::optional<GemmPlanChoice>
lookupTunedPlan(const ChipInfo &chip, const GroupedMatmulProblem &problem);

} // namespace mlir::moe

#endif // MOE_CONVERSION_MOETOGPU_TUNEDPLANS_H
