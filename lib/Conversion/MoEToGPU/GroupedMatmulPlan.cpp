//===- GroupedMatmulPlan.cpp - decisions of the grouped GEMM kernel -------===//
//
// Computes the waves, K slices, row groups, column groups, loads and k-loop
// unrolling of the grouped GEMM kernel from the problem and the chip.
//
//===----------------------------------------------------------------------===//

#include "GroupedMatmulPlan.h"

#include "MMAAtom.h"
#include "TunedPlans.h"
#include "moe/Target/MMALayout.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>

using namespace mlir::moe;

/// Waves over the column tiles, then over K; column tiles per wave and at
/// once; row tiles per weight load.
static void planWaves(const ChipInfo &chip, const GroupedMatmulProblem &p,
                      GroupedMatmulPlan &plan) {
  const MMAShape &mma = plan.mma;
  // The columns of a workgroup are split over `wavesN` waves; each keeps
  // `group` tiles (gate and up for each) in flight per k step. When the
  // tiles are fewer than kGroupedMatmulWaves (narrow blocks at decode), the
  // other waves split K into `slices` and their partial sums meet in LDS.
  int64_t colTiles = plan.blockN / mma.n;
  plan.wavesN = std::min(kGroupedMatmulWaves, colTiles);
  if (colTiles % plan.wavesN != 0)
    plan.wavesN = 1;
  plan.tilesPerWave = colTiles / plan.wavesN;
  plan.group = std::min(kGroupedMatmulTilesInFlight, plan.tilesPerWave);
  if (plan.tilesPerWave % plan.group != 0)
    plan.group = 1;
  plan.slices = kGroupedMatmulWaves / plan.wavesN;
  while (plan.slices > 1 && plan.steps % plan.slices != 0)
    plan.slices /= 2;
  plan.sliceSteps = plan.steps / plan.slices;
  // Row tiles multiplied together (with the same weight fragments, loaded
  // once): up to kGroupedMatmulAccTiles accumulator tiles per lane. Wide
  // row blocks (prefill) reuse each weight load for several 16-row tiles.
  int64_t rowTiles = plan.blockM / mma.m;
  plan.rowGroup = 1;
  while (plan.slices == 1 && rowTiles % (2 * plan.rowGroup) == 0 &&
         2 * plan.rowGroup * plan.chains() <= kGroupedMatmulAccTiles)
    plan.rowGroup *= 2;
  plan.aRowsPerStep = plan.rowGroup * aRowsPerLane(chip);
}

/// Async-copy staging with at least two (three where the slice has them)
/// k steps of buffers, holding fewer column tiles at once (halving `group`)
/// when that lets more steps fit; nullopt when none fits.
static std::optional<StagingPlan> planStaging(const ChipInfo &chip,
                                              const GroupedMatmulProblem &p,
                                              GroupedMatmulPlan &plan) {
  int64_t want = std::min<int64_t>(3, std::max<int64_t>(2, plan.sliceSteps));
  int64_t registerGroup = plan.group;
  while (true) {
    std::optional<StagingPlan> staging = planStagedLoads(
        chip, p.elementBytes, plan.kLoad, plan.chains() + plan.aRowsPerStep,
        plan.sliceSteps, plan.wavesN * plan.slices,
        stagingBudgetBytes(chip) - 4 * plan.partialElems(chip));
    if (staging && staging->stages >= want)
      return staging;
    if (plan.group <= 1 || plan.tilesPerWave % (plan.group / 2) != 0) {
      if (staging)
        return staging;
      plan.group = registerGroup;
      return std::nullopt;
    }
    plan.group /= 2;
  }
}

/// Register loads: the k loop takes `unroll` steps per iteration and
/// issues all their loads before any MMA, so that about kLoadsInFlight
/// loads per lane are outstanding (decode is bound by the weight bytes in
/// flight).
static int64_t planUnroll(const GroupedMatmulPlan &plan) {
  for (int64_t u : {8, 4, 2})
    if (u * (plan.aRowsPerStep + plan.chains()) <= kLoadsInFlight &&
        plan.sliceSteps % u == 0)
      return u;
  return 1;
}

GroupedMatmulProblem mlir::moe::groupedMatmulProblem(GroupedMatmulOp op,
                                                     GemmLoads loads,
                                                     int64_t tokens) {
  TileAttr tile = op.getTileAttr();
  auto wType = op.getW().getType();
  return {op.getBlockMAttr().getInt(),
          tile ? tile.getBlockN() : 64,
          wType.getDimSize(2),
          wType.getElementType().getIntOrFloatBitWidth() / 8,
          static_cast<bool>(op.getActivationAttr()),
          loads,
          wType.getDimSize(1),
          wType.getDimSize(0),
          op.getTopKAttr().getInt(),
          tokens};
}

/// What the chip and the problem fix in every plan: the MMA atom, the k a
/// lane loads, the k steps over K, the accumulator values per lane; nullopt
/// with `error` when the chip has no 16-row MMA.
static std::optional<GroupedMatmulPlan> basePlan(const ChipInfo &chip,
                                                 const GroupedMatmulProblem &p,
                                                 std::string &error) {
  std::optional<MMAShape> mma = pickMMA(chip);
  if (!mma) {
    error = ("has no 16-row bf16 MMA on " + chip.name).str();
    return std::nullopt;
  }
  GroupedMatmulPlan plan{};
  plan.mma = *mma;
  plan.blockM = p.blockM;
  plan.gated = p.gated;
  plan.kLoad = kLoadOf(chip, *mma, p.depth);
  plan.steps = llvm::divideCeil(p.depth, kStepOf(chip, *mma, p.depth));
  plan.accValues = MMALayout(*mma, chip.waveSize).dValuesPerLane();
  return plan;
}

std::optional<GroupedMatmulPlan> mlir::moe::planGroupedMatmul(
    const ChipInfo &chip, const GroupedMatmulProblem &p, std::string &error) {
  // A measured plan first (only where the loads are the planner's choice);
  // one that no longer checks falls back to the model.
  if (p.loads == GemmLoads::Auto)
    if (std::optional<GemmPlanChoice> tuned = lookupTunedPlan(chip, p)) {
      std::string ignored;
      if (std::optional<GroupedMatmulPlan> plan =
              planFromChoice(chip, p, *tuned, ignored))
        return plan;
    }
  std::optional<GroupedMatmulPlan> base = basePlan(chip, p, error);
  if (!base)
    return std::nullopt;
  GroupedMatmulPlan plan = *base;
  const MMAShape &mma = plan.mma;
  // The tile's block_n counts weight rows: with a gated epilogue (gate and
  // up rows per output column) the output columns are half that.
  plan.blockN = std::max<int64_t>(p.gated ? p.tileN / 2 : p.tileN, mma.n);
  planWaves(chip, p, plan);

  switch (p.loads) {
  case GemmLoads::Registers:
    break;
  case GemmLoads::AsyncCopy:
    plan.staging = planStaging(chip, p, plan);
    if (!plan.staging) {
      error = ("cannot load through async copies on " + chip.name +
               ": not even two k steps of copies fit the LDS budget or the "
               "chip's copy sizes (expected gemm loads 'registers', found "
               "'async-copy')")
                  .str();
      return std::nullopt;
    }
    break;
  case GemmLoads::Auto:
    // Decode tiles on chips whose one copy moves a whole fragment; anything
    // that does not plan keeps register loads.
    if (plan.blockM == mma.m) {
      int64_t registerGroup = plan.group;
      plan.staging = planStaging(chip, p, plan);
      if (plan.staging && plan.staging->pieces != 1) {
        plan.staging.reset();
        plan.group = registerGroup;
      }
    }
    break;
  }
  plan.unroll = plan.staging ? 1 : planUnroll(plan);
  return plan;
}

std::string mlir::moe::checkGroupedMatmulPlan(const ChipInfo &chip,
                                              const GroupedMatmulProblem &p,
                                              const GroupedMatmulPlan &plan) {
  using llvm::formatv;
  const MMAShape &mma = plan.mma;
  if (plan.blockN % mma.n != 0)
    return formatv("expected block_n ({0}) to be a multiple of the MMA's n "
                   "({1} on {2})",
                   plan.blockN, mma.n, chip.name);
  int64_t colTiles = plan.blockN / mma.n;
  if (colTiles % plan.wavesN != 0)
    return formatv("expected waves_n ({0}) to divide the {1} column tiles of "
                   "block_n {2}",
                   plan.wavesN, colTiles, plan.blockN);
  if (plan.tilesPerWave % plan.group != 0)
    return formatv("expected group ({0}) to divide the {1} column tiles of a "
                   "wave",
                   plan.group, plan.tilesPerWave);
  if (plan.steps % plan.slices != 0)
    return formatv("expected slices ({0}) to divide the {1} k steps of K {2}",
                   plan.slices, plan.steps, p.depth);
  if (plan.blockM % (plan.rowGroup * mma.m) != 0)
    return formatv("expected row_group ({0}) x {1} rows to divide block_m "
                   "({2})",
                   plan.rowGroup, mma.m, plan.blockM);
  if (plan.slices > 1 && plan.rowGroup != 1)
    return formatv("expected row_group 1 with slices > 1, got {0}",
                   plan.rowGroup);
  if (plan.rowGroup * plan.chains() > kGroupedMatmulAccTiles)
    return formatv("expected at most {0} accumulator tiles per lane "
                   "(row_group x group, x2 when gated), got {1}",
                   kGroupedMatmulAccTiles, plan.rowGroup * plan.chains());
  if (plan.threads(chip) > 1024)
    return formatv("expected at most 1024 threads (waves_n x slices x {0}), "
                   "got {1}",
                   chip.waveSize, plan.threads(chip));
  int64_t lds = 4 * plan.partialElems(chip);
  if (plan.staging) {
    lds += plan.staging->stages * plan.staging->bufferElems() * p.elementBytes;
  } else if (plan.sliceSteps % plan.unroll != 0) {
    return formatv("expected unroll ({0}) to divide the {1} k steps of a "
                   "slice",
                   plan.unroll, plan.sliceSteps);
  }
  if (lds > chip.staticLdsBytes)
    return formatv("expected the plan's LDS ({0} bytes) to fit the {1} bytes "
                   "a workgroup has on {2}",
                   lds, chip.staticLdsBytes, chip.name);
  return "";
}

std::optional<GroupedMatmulPlan>
mlir::moe::planFromChoice(const ChipInfo &chip, const GroupedMatmulProblem &p,
                          const GemmPlanChoice &choice, std::string &error) {
  std::optional<GroupedMatmulPlan> base = basePlan(chip, p, error);
  if (!base)
    return std::nullopt;
  GroupedMatmulPlan plan = *base;
  const MMAShape &mma = plan.mma;
  plan.blockN = choice.blockN;
  plan.wavesN = choice.wavesN;
  plan.slices = choice.slices;
  plan.group = choice.group;
  plan.rowGroup = choice.rowGroup;
  if (plan.blockN < mma.n || plan.wavesN < 1 || plan.slices < 1 ||
      plan.group < 1 || plan.rowGroup < 1 || plan.steps < plan.slices) {
    error = llvm::formatv("expected block_n >= {0} and waves_n, slices, "
                          "group, row_group >= 1 (slices at most the {1} k "
                          "steps)",
                          mma.n, plan.steps);
    return std::nullopt;
  }
  plan.tilesPerWave = plan.blockN / mma.n / plan.wavesN;
  plan.sliceSteps = plan.steps / plan.slices;
  plan.aRowsPerStep = plan.rowGroup * aRowsPerLane(chip);
  plan.unroll = choice.loads == KernelLoads::Registers ? choice.unroll : 1;
  if (choice.loads == KernelLoads::AsyncCopy) {
    int64_t budget = chip.staticLdsBytes - 4 * plan.partialElems(chip);
    plan.staging = planStagedLoads(
        chip, p.elementBytes, plan.kLoad, plan.chains() + plan.aRowsPerStep,
        std::max<int64_t>(plan.sliceSteps, 2), plan.wavesN * plan.slices,
        std::max<int64_t>(budget, 0));
    int64_t stages = choice.stages;
    if (!plan.staging || plan.staging->stages < stages) {
      error = llvm::formatv("expected at most {0} stages of async copies for "
                            "this plan on {1}, got {2}",
                            plan.staging ? plan.staging->stages : 0, chip.name,
                            stages);
      return std::nullopt;
    }
    plan.staging->stages = stages;
  }
  error = checkGroupedMatmulPlan(chip, p, plan);
  if (!error.empty())
    return std::nullopt;
  return plan;
}

std::optional<GroupedMatmulPlan>
mlir::moe::planFromAttr(const ChipInfo &chip, const GroupedMatmulProblem &p,
                        GemmPlanAttr attr, std::string &error) {
  return planFromChoice(chip, p,
                        {attr.getBlockN(), attr.getWavesN(), attr.getSlices(),
                         attr.getGroup(), attr.getRowGroup(), attr.getLoads(),
                         attr.getStages().value_or(0),
                         attr.getUnroll().value_or(1)},
                        error);
}

GemmPlanAttr mlir::moe::toAttr(MLIRContext *ctx,
                               const GroupedMatmulPlan &plan) {
  return GemmPlanAttr::get(
      ctx, plan.blockN, plan.wavesN, plan.slices, plan.group, plan.rowGroup,
      plan.staging ? KernelLoads::AsyncCopy : KernelLoads::Registers,
      plan.staging ? std::optional<int64_t>(plan.staging->stages)
                   : std::nullopt,
      plan.staging ? std::nullopt : std::optional<int64_t>(plan.unroll));
}
