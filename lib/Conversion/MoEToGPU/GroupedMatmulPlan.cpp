//===- GroupedMatmulPlan.cpp - decisions of the grouped GEMM kernel -------===//
//
// Computes the waves, K slices, row groups, column groups, loads and k-loop
// unrolling of the grouped GEMM kernel from the problem and the chip.
//
//===----------------------------------------------------------------------===//

#include "GroupedMatmulPlan.h"

#include "MMAAtom.h"
#include "RowDotPlan.h"
#include "TunedPlans.h"
#include "WarpgroupMMA.h"
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
  while (plan.group > 1 &&
         plan.chains() * plan.accValues > kGroupedMatmulAccValues)
    plan.group /= 2;
  if (plan.tilesPerWave % plan.group != 0)
    plan.group = 1;
  // K slices only where the block has one row tile: with more, the waves'
  // weight loads serve several row tiles instead (row groups below).
  int64_t rowTiles = plan.blockM / mma.m;
  plan.slices = rowTiles == 1 ? kGroupedMatmulWaves / plan.wavesN : 1;
  while (plan.slices > 1 && plan.steps % plan.slices != 0)
    plan.slices /= 2;
  plan.sliceSteps = plan.steps / plan.slices;
  // Row tiles multiplied together (with the same weight fragments, loaded
  // once): up to kGroupedMatmulAccValues accumulator values per lane. Wide
  // row blocks (prefill) reuse each weight load for several row tiles.
  plan.rowGroup = 1;
  while (plan.slices == 1 && rowTiles % (2 * plan.rowGroup) == 0 &&
         2 * plan.laneAccValues() <= kGroupedMatmulAccValues)
    plan.rowGroup *= 2;
  plan.aRowsPerStep = plan.rowGroup * aRowsPerLane(chip, mma);
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
        chip.stagingLdsBytes - 4 * plan.partialElems(chip));
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

/// The ring of a cooperative plan whose waves are set: the k tile (64 or
/// 32, whichever keeps more k in flight; 64 on a tie; `kTile` when nonzero:
/// 32, 64, or 128 for ldmatrix plans) and the most stages
/// (at most kMaxSharedStages; exactly `stages` when nonzero) that fit the
/// budget (the model's half of the SM for ldmatrix plans, all of it for
/// warpgroup plans, whose MMAs are big enough to keep the SM busy alone,
/// and for `stages` asked for; less a warpgroup ring's alignment slack);
/// nullopt when the chip has no cp.async/ldmatrix (or wgmma, for a
/// warpgroup plan), K has no k tile or two stages do not fit.
static std::optional<SharedTilePlan>
planSharedRing(const ChipInfo &chip, const GroupedMatmulProblem &p,
               const GroupedMatmulPlan &plan, int64_t stages,
               int64_t forcedKTile = 0) {
  if (!chip.sharedMatrixLoads || p.elementBytes != 2 ||
      !sharedKTileOf(p.depth) || (plan.warpgroup && !chip.warpgroupMMA))
    return std::nullopt;
  // Warpgroup MMAs read 64-k (128-byte) rows through their descriptors.
  if (plan.warpgroup && forcedKTile == 128)
    return std::nullopt;
  std::optional<SharedTilePlan> best;
  llvm::SmallVector<int64_t, 2> kTiles =
      forcedKTile ? llvm::SmallVector<int64_t, 2>{forcedKTile}
                  : llvm::SmallVector<int64_t, 2>{64, 32};
  for (int64_t kTile : kTiles) {
    // A forced ldmatrix k tile may leave a tail tile (zero-filled past K,
    // a multiple of the 8-element chunk); the model's tiles divide K.
    bool tailOk = forcedKTile && !plan.warpgroup && p.depth % 8 == 0;
    if (p.depth % kTile != 0 && !tailOk)
      continue;
    SharedTilePlan ring{0,
                        kTile,
                        plan.blockM,
                        (plan.gated ? 2 : 1) * plan.blockN,
                        plan.threads(chip),
                        plan.warpgroup ? kWarpgroupSwizzleAlign : 0};
    // Every thread copies the same number of chunks.
    if ((ring.aRows * ring.chunks()) % ring.threads != 0 ||
        (ring.bRows * ring.chunks()) % ring.threads != 0)
      continue;
    int64_t budget = stages || plan.warpgroup ? sharedTileMaxBytes(chip)
                                              : sharedTileBudgetBytes(chip);
    int64_t fit =
        (budget - ring.alignBytes) / (ring.stageElems() * p.elementBytes);
    // The model keeps no more stages than k tiles (two at least).
    ring.stages = std::min(
        fit,
        stages
            ? stages
            : std::min(kMaxSharedStages,
                       std::max<int64_t>(2, llvm::divideCeil(p.depth, kTile))));
    if (ring.stages < 2 || (stages && ring.stages < stages))
      continue;
    ring.forcedKTile = forcedKTile != 0;
    if (!best || ring.stages * kTile > best->stages * best->kTile)
      best = ring;
  }
  return best;
}

/// The ring the model gives an ldmatrix plan whose waves are set: for a
/// gated GEMM over a long K (at least kLongKTiles 128-element k tiles),
/// three stages of 128-element k tiles (256-byte runs of each weight row)
/// where they fit the SM's shared memory, which the H200 sweep of
/// bench/results/h200/tune-mid measured 2-8 % faster than 64-element tiles
/// for GEMM1 at T = 16..256 (and no faster for GEMM2, whose K is short or
/// whose rows are not gated), and bench/results/h100/k-tile measured the
/// layer 0.94-0.98 of the 64-element plans where it applies; else
/// planSharedRing's.
static std::optional<SharedTilePlan>
planModelRing(const ChipInfo &chip, const GroupedMatmulProblem &p,
              const GroupedMatmulPlan &plan) {
  if (plan.gated && !plan.warpgroup && p.depth % 128 == 0 &&
      p.depth / 128 >= kLongKTiles)
    if (std::optional<SharedTilePlan> ring =
            planSharedRing(chip, p, plan, /*stages=*/3, /*forcedKTile=*/128))
      return ring;
  return planSharedRing(chip, p, plan, 0);
}

/// The waves and ring of a cooperative plan of `plan.blockN` columns: waves
/// of 32 rows (two row tiles; 16 for a 16-row block; more where narrow
/// tiles leave too few chunks for the threads), up to kSharedWaves waves in
/// all, the columns split so that each wave keeps at least two column tiles
/// where it can (one ldmatrix of weights feeds two MMAs) and at most
/// kGroupedMatmulAccValues accumulator values: the first of those whose ring
/// plans, most waves first; false when none does.
static bool planSharedWaves(const ChipInfo &chip, const GroupedMatmulProblem &p,
                            GroupedMatmulPlan &plan) {
  const MMAShape &mma = plan.mma;
  int64_t colTiles = plan.blockN / mma.n;
  plan.slices = 1;
  plan.sliceSteps = plan.steps;
  plan.unroll = 1;
  for (plan.rowGroup = plan.blockM >= 2 * mma.m ? 2 : 1;
       plan.rowGroup * mma.m <= plan.blockM; plan.rowGroup *= 2) {
    if (plan.blockM % (plan.rowGroup * mma.m) != 0)
      return false;
    plan.wavesM = plan.blockM / (plan.rowGroup * mma.m);
    plan.aRowsPerStep = plan.rowGroup * aRowsPerLane(chip, mma);
    int64_t widest = 1;
    while (2 * widest * plan.wavesM <= kSharedWaves &&
           colTiles % (2 * widest) == 0 && colTiles / (2 * widest) >= 2)
      widest *= 2;
    for (plan.wavesN = widest; plan.wavesN >= 1; plan.wavesN /= 2) {
      plan.tilesPerWave = plan.group = colTiles / plan.wavesN;
      if (plan.wavesM * plan.wavesN > kSharedWaves ||
          plan.laneAccValues() > kGroupedMatmulAccValues)
        continue;
      plan.shared = planModelRing(chip, p, plan);
      if (plan.shared)
        return true;
    }
  }
  return false;
}

/// The warpgroups and ring of a warpgroup plan of `plan.blockN` columns:
/// two warpgroups over the rows where block_m has two 64-row tiles, else
/// two over the columns, else one: the first whose ring plans and that
/// checkGroupedMatmulPlan accepts (columns per warpgroup, accumulators,
/// registers); false when none does (or block_m is not a multiple of 64).
static bool planWarpgroupWaves(const ChipInfo &chip,
                               const GroupedMatmulProblem &p,
                               GroupedMatmulPlan &plan) {
  const MMAShape &mma = plan.mma;
  if (!chip.warpgroupMMA || plan.blockM % kWarpgroupRows != 0)
    return false;
  int64_t colTiles = plan.blockN / mma.n;
  int64_t rowTiles = plan.blockM / kWarpgroupRows;
  plan.slices = 1;
  plan.sliceSteps = plan.steps;
  plan.unroll = 1;
  plan.warpgroup = true;
  const std::pair<int64_t, int64_t> shapes[] = {{2, 1}, {1, 2}, {1, 1}};
  for (auto [groupsM, groupsN] : shapes) {
    if (rowTiles % groupsM != 0 || colTiles % groupsN != 0)
      continue;
    // A wave holds one 16-row tile of each of its warpgroup's 64-row tiles.
    plan.rowGroup = rowTiles / groupsM;
    plan.wavesM = kWarpgroupWaves * groupsM;
    plan.wavesN = groupsN;
    plan.tilesPerWave = plan.group = colTiles / groupsN;
    plan.aRowsPerStep = plan.rowGroup * aRowsPerLane(chip, mma);
    plan.shared = planSharedRing(chip, p, plan, 0);
    if (plan.shared && checkGroupedMatmulPlan(chip, p, plan).empty())
      return true;
  }
  return false;
}

/// The model's cooperative plan (warpgroup MMAs when `warpgroup`): the
/// widest block_n up to the tile's whose ring has three stages (two where
/// none has three); false when none plans.
static bool planSharedTiles(const ChipInfo &chip, const GroupedMatmulProblem &p,
                            GroupedMatmulPlan &plan, bool warpgroup) {
  const MMAShape &mma = plan.mma;
  std::optional<GroupedMatmulPlan> twoStages;
  for (int64_t blockN = plan.blockN; blockN >= mma.n; blockN /= 2) {
    GroupedMatmulPlan candidate = plan;
    candidate.blockN = blockN;
    if (!(warpgroup ? planWarpgroupWaves(chip, p, candidate)
                    : planSharedWaves(chip, p, candidate)))
      continue;
    if (candidate.shared->stages >= 3) {
      plan = candidate;
      return true;
    }
    if (!twoStages)
      twoStages = candidate;
  }
  if (twoStages)
    plan = *twoStages;
  return twoStages.has_value();
}

/// What the chip, the problem and the block's `blockN` output columns fix
/// in every plan: the MMA atom (pickBlockMMA), the k a lane loads, the k
/// steps over K, the accumulator values per tile; nullopt with `error` when
/// the chip has no 16-row MMA with lane roles.
static std::optional<GroupedMatmulPlan> basePlan(const ChipInfo &chip,
                                                 const GroupedMatmulProblem &p,
                                                 int64_t blockN,
                                                 std::string &error) {
  std::optional<MMAShape> mma = pickBlockMMA(chip, p.blockM, blockN);
  if (!mma) {
    error = ("has no 16-row bf16 MMA on " + chip.name).str();
    return std::nullopt;
  }
  std::string why;
  if (!laneRolesOf(chip, *mma, why)) {
    error =
        ("has no lane roles for its MMA on " + chip.name + ": " + why).str();
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
  if (p.loads == GemmLoads::Auto && !p.quantized)
    if (std::optional<GemmPlanChoice> tuned = lookupTunedPlan(chip, p)) {
      std::string ignored;
      if (std::optional<GroupedMatmulPlan> plan =
              planFromChoice(chip, p, *tuned, ignored))
        return plan;
    }
  // The tile's block_n counts weight rows: with a gated epilogue (gate and
  // up rows per output column) the output columns are half that.
  int64_t tileCols = p.gated ? p.tileN / 2 : p.tileN;
  std::optional<GroupedMatmulPlan> base = basePlan(chip, p, tileCols, error);
  if (!base)
    return std::nullopt;
  GroupedMatmulPlan plan = *base;
  // Route order (block_m 1): one route per block, no MMA tile to fill.
  bool rowDotLoads =
      p.loads == GemmLoads::RowDot || p.loads == GemmLoads::MMARowDot;
  if (p.blockM == 1 && p.loads != GemmLoads::Auto && !rowDotLoads) {
    error = "expected row-dot loads (or the planner's) in route order "
            "(block_m 1): an MMA tile needs blocks of 16 or more routes";
    return std::nullopt;
  }
  // fp8 operands are multiplied by row dot products only (no fp8 MMA atom
  // yet), at every T.
  if (p.quantized && p.loads != GemmLoads::Auto && !rowDotLoads) {
    error = "expected row-dot loads (or the planner's) for fp8 operands with "
            "scales: no MMA plan multiplies them yet";
    return std::nullopt;
  }
  if (rowDotLoads || p.blockM == 1 || p.quantized ||
      (p.loads == GemmLoads::Auto && rowDotPays(chip, p))) {
    // fp4 weights on mma.sync chips: their runs widened once for 8 routes.
    bool mma = p.loads == GemmLoads::MMARowDot ||
               (p.loads == GemmLoads::Auto && mmaRowDotFits(chip, p));
    plan = mma ? planMMARowDot(chip, p, plan) : planRowDot(chip, p, plan);
    error = checkRowDotPlan(chip, p, plan);
    if (!error.empty())
      return std::nullopt;
    return plan;
  }
  const MMAShape &mma = plan.mma;
  plan.blockN = std::max<int64_t>(tileCols, mma.n);
  // Cooperative tiles where forced (or diagnosed), and by default where
  // the chip has them (ldmatrix; sm_90): warpgroup tiles for 64-row blocks
  // (faster than ldmatrix tiles at every such case measured on the H200,
  // bench/results/h200/ warpgroup-tune), else shared tiles (faster than
  // per-lane copies and register loads at every row block but T = 1, where the
  // table keeps the plans that won).
  bool tilesByDefault = p.loads == GemmLoads::Auto && chip.sharedMatrixLoads;
  for (bool warpgroup : {true, false}) {
    GemmLoads forced =
        warpgroup ? GemmLoads::WarpgroupTiles : GemmLoads::SharedTiles;
    if (p.loads != forced &&
        !(tilesByDefault && (!warpgroup || chip.warpgroupMMA)))
      continue;
    GroupedMatmulPlan cooperative = plan;
    if (planSharedTiles(chip, p, cooperative, warpgroup))
      return cooperative;
    if (p.loads == forced) {
      error = llvm::formatv(
          "cannot {0} on {1}: expected {2}, 2-byte elements, K a multiple of "
          "32 (found {3}), block_m {4} (found {5}) and two stages within {6} "
          "bytes of shared memory",
          warpgroup ? "multiply warpgroup tiles" : "load through shared tiles",
          chip.name,
          warpgroup ? "a chip with warpgroup MMAs (sm_90)" : "an NVIDIA chip",
          p.depth, warpgroup ? "a multiple of 64" : "16 or a multiple of 32",
          p.blockM,
          warpgroup ? sharedTileMaxBytes(chip) : sharedTileBudgetBytes(chip));
      return std::nullopt;
    }
  }
  planWaves(chip, p, plan);

  switch (p.loads) {
  case GemmLoads::Registers:
  case GemmLoads::SharedTiles:
  case GemmLoads::WarpgroupTiles:
  case GemmLoads::RowDot:
  case GemmLoads::MMARowDot:
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
    // Decode tiles (one row tile of the chip's 16-row MMA) on chips whose
    // one copy moves a whole fragment; anything that does not plan keeps
    // register loads.
    if (plan.blockM == pickMMA(chip)->m) {
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

std::optional<GroupedMatmulPlan>
mlir::moe::planFromChoice(const ChipInfo &chip, const GroupedMatmulProblem &p,
                          const GemmPlanChoice &choice, std::string &error) {
  std::optional<GroupedMatmulPlan> base =
      basePlan(chip, p, choice.blockN, error);
  if (!base)
    return std::nullopt;
  GroupedMatmulPlan plan = *base;
  bool mmaRowDot = choice.loads == KernelLoads::MMARowDot;
  if (p.quantized && choice.loads != KernelLoads::RowDot && !mmaRowDot) {
    error = "expected row-dot loads for fp8 operands with scales: no MMA "
            "plan multiplies them yet";
    return std::nullopt;
  }
  if (choice.loads == KernelLoads::RowDot || mmaRowDot) {
    plan = mmaRowDot ? mmaRowDotBase(chip, p, plan) : rowDotBase(chip, p, plan);
    plan.blockN = choice.blockN;
    plan.wavesN = choice.wavesN;
    plan.slices = choice.slices;
    plan.group = choice.group;
    plan.tilesPerWave = choice.blockN / std::max<int64_t>(choice.wavesN, 1) /
                        (mmaRowDot ? plan.mmaTileCols() : 1);
    plan.rowGroup = plan.aRowsPerStep = choice.rowGroup;
    plan.unroll = choice.unroll;
    if (mmaRowDot && choice.stages) {
      plan.staging = planMMARowDotStaging(chip, p, plan, choice.stages);
      if (!plan.staging) {
        std::optional<StagingPlan> most = planMMARowDotStaging(chip, p, plan);
        error = llvm::formatv(
            "expected mma_row_dot stages ({0}) only for fp8 weights, at "
            "least 2 and at most the {1} that fit the LDS of {2}",
            choice.stages, most ? most->stages : 0, chip.name);
        return std::nullopt;
      }
    }
    error = plan.wavesN < 1 || plan.group < 1 || plan.rowGroup < 1 ||
                    plan.unroll < 1
                ? "expected waves_n, group, row_group and unroll >= 1"
                : checkRowDotPlan(chip, p, plan);
    if (!error.empty())
      return std::nullopt;
    return plan;
  }
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
  if (choice.loads == KernelLoads::SharedTiles ||
      choice.loads == KernelLoads::WarpgroupTiles) {
    plan.warpgroup = choice.loads == KernelLoads::WarpgroupTiles;
    plan.wavesM = std::max<int64_t>(1, p.blockM / (plan.rowGroup * mma.m));
    plan.shared = planSharedRing(chip, p, plan, choice.stages, choice.kTile);
    if (!plan.shared) {
      error = llvm::formatv(
          "expected {0} stages of shared tiles of k tile {5} to fit {1} bytes "
          "of shared memory on an NVIDIA chip{4}, with 2-byte elements, K "
          "({2}) a multiple of 32 (and of the k tile, unless the plan names "
          "it), and the {3} threads dividing the 16-byte chunks of a stage",
          choice.stages, sharedTileMaxBytes(chip), p.depth, plan.threads(chip),
          plan.warpgroup ? " with warpgroup MMAs (sm_90; k tile 64 or 32)" : "",
          choice.kTile ? std::to_string(choice.kTile) : "64 or 32");
      return std::nullopt;
    }
  }
  plan.aRowsPerStep = plan.rowGroup * aRowsPerLane(chip, mma);
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
  return planFromChoice(
      chip, p,
      {attr.getBlockN(), attr.getWavesN(), attr.getSlices(), attr.getGroup(),
       attr.getRowGroup(), attr.getLoads(), attr.getStages().value_or(0),
       attr.getUnroll().value_or(1), attr.getKTile().value_or(0)},
      error);
}

GemmPlanAttr mlir::moe::toAttr(MLIRContext *ctx,
                               const GroupedMatmulPlan &plan) {
  if (plan.rowDot)
    return GemmPlanAttr::get(
        ctx, plan.blockN, plan.wavesN, plan.slices, plan.group, plan.rowGroup,
        plan.mmaRowDot ? KernelLoads::MMARowDot : KernelLoads::RowDot,
        plan.staging ? std::optional<int64_t>(plan.staging->stages)
                     : std::nullopt,
        plan.unroll, std::nullopt);
  if (plan.shared)
    return GemmPlanAttr::get(
        ctx, plan.blockN, plan.wavesN, plan.slices, plan.group, plan.rowGroup,
        plan.warpgroup ? KernelLoads::WarpgroupTiles : KernelLoads::SharedTiles,
        plan.shared->stages, std::nullopt,
        plan.shared->forcedKTile ? std::optional<int64_t>(plan.shared->kTile)
                                 : std::nullopt);
  return GemmPlanAttr::get(
      ctx, plan.blockN, plan.wavesN, plan.slices, plan.group, plan.rowGroup,
      plan.staging ? KernelLoads::AsyncCopy : KernelLoads::Registers,
      plan.staging ? std::optional<int64_t>(plan.staging->stages)
                   : std::nullopt,
      plan.staging ? std::nullopt : std::optional<int64_t>(plan.unroll),
      std::nullopt);
}
