//===- TunedPlans.cpp - GEMM plans measured on a GPU ----------------------===//

#include "TunedPlans.h"

using namespace mlir;
using namespace mlir::moe;

namespace {
/// One measured point: the problem and token count it was timed at, and
/// the plan that won.
struct TunedPlan {
  const char *chip;
  int64_t tokens, experts, topK, blockM, rows, depth;
  bool gated, sumRoutes;
  int64_t elementBytes;
  GemmPlanChoice choice;
};

[[maybe_unused]] constexpr KernelLoads Registers = KernelLoads::Registers;
constexpr KernelLoads AsyncCopy = KernelLoads::AsyncCopy;
[[maybe_unused]] constexpr KernelLoads SharedTiles = KernelLoads::SharedTiles;
[[maybe_unused]] constexpr KernelLoads WarpgroupTiles =
    KernelLoads::WarpgroupTiles;
[[maybe_unused]] constexpr KernelLoads RowDot = KernelLoads::RowDot;

#define MOE_TUNED_PLAN(chip, tokens, experts, topK, blockM, rows, depth,       \
                       gated, summed, bytes, blockN, wavesN, slices, group,    \
                       rowGroup, loads, stages, unroll, kTile)                 \
  {chip,                                                                       \
   tokens,                                                                     \
   experts,                                                                    \
   topK,                                                                       \
   blockM,                                                                     \
   rows,                                                                       \
   depth,                                                                      \
   gated,                                                                      \
   summed,                                                                     \
   bytes,                                                                      \
   {blockN, wavesN, slices, group, rowGroup, loads, stages, unroll, kTile}},
const TunedPlan kTunedPlans[] = {
#include "TunedPlans.inc"
    {nullptr, 0, 0, 0, 0, 0, 0, false, false, 0, {}}, // the end
};
#undef MOE_TUNED_PLAN
} // namespace

std::optional<GemmPlanChoice>
mlir::moe::lookupTunedPlan(const ChipInfo &chip,
                           const GroupedMatmulProblem &p) {
  if (p.tokens <= 0)
    return std::nullopt;
  for (const TunedPlan *t = kTunedPlans; t->chip; ++t)
    if (chip.name == t->chip && p.tokens == t->tokens &&
        p.experts == t->experts && p.topK == t->topK && p.blockM == t->blockM &&
        p.rows == t->rows && p.depth == t->depth && p.gated == t->gated &&
        p.sumRoutes == t->sumRoutes && p.elementBytes == t->elementBytes)
      return t->choice;
  return std::nullopt;
}
