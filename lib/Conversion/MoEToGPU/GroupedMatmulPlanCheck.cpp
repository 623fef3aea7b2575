//===- GroupedMatmulPlanCheck.cpp - whether a GEMM plan can run -----------===//
//
// checkGroupedMatmulPlan (GroupedMatmulPlan.h): the expected-vs-found
// reasons a plan of the grouped GEMM cannot run a problem on a chip.
//
//===----------------------------------------------------------------------===//

#include "GroupedMatmulPlan.h"
#include "RowDotPlan.h"
#include "WarpgroupMMA.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir::moe;

std::string mlir::moe::checkGroupedMatmulPlan(const ChipInfo &chip,
                                              const GroupedMatmulProblem &p,
                                              const GroupedMatmulPlan &plan) {
  using llvm::formatv;
  if (plan.rowDot)
    return checkRowDotPlan(chip, p, plan);
  if (p.quantized)
    return "expected loads = row_dot for fp8 operands with scales: no MMA "
           "plan multiplies them yet";
  if (plan.blockM == 1)
    return "expected loads = row_dot in route order (block_m 1): an MMA "
           "tile needs blocks of 16 or more routes";
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
  if (plan.warpgroup && plan.rowGroup * plan.chains() > kWarpgroupAccTiles)
    return formatv("expected at most {0} accumulator tiles per lane "
                   "(row_group x group, x2 when gated), got {1}",
                   kWarpgroupAccTiles, plan.rowGroup * plan.chains());
  if (!plan.warpgroup && plan.laneAccValues() > kGroupedMatmulAccValues)
    return formatv("expected at most {0} accumulator values per lane "
                   "(row_group x group, x2 when gated, x {1} per {2}x{3} MMA "
                   "tile), got {4}",
                   kGroupedMatmulAccValues, plan.accValues, mma.m, mma.n,
                   plan.laneAccValues());
  if (plan.warpgroup) {
    if (!chip.warpgroupMMA)
      return formatv("expected a chip with warpgroup MMAs (sm_90) for "
                     "warpgroup_tiles, got {0}",
                     chip.name);
    if (plan.wavesM % kWarpgroupWaves != 0 || plan.blockM % kWarpgroupRows != 0)
      return formatv("expected warpgroup tiles of {0} rows: block_m ({1}) a "
                     "multiple of {0} and block_m / (16 x row_group) = {2} "
                     "waves over the rows a multiple of {3}",
                     kWarpgroupRows, plan.blockM, plan.wavesM, kWarpgroupWaves);
    // A warpgroup MMA keeps all its accumulators in registers: with the
    // addresses and routes (about kWarpgroupOtherRegisters) they must fit
    // the registers a lane has at this many threads (65536 per SM, 255 at
    // most), or ptxas cannot compile the MMA.
    int64_t registers = std::min<int64_t>(
        255, 65536 / std::max<int64_t>(plan.threads(chip), 1));
    int64_t needed =
        4 * plan.rowGroup * plan.chains() + kWarpgroupOtherRegisters;
    if (needed > registers)
      return formatv("expected the {0} f32 accumulators of a lane and about "
                     "{1} more registers to fit the {2} registers a lane has "
                     "with {3} threads",
                     4 * plan.rowGroup * plan.chains(),
                     kWarpgroupOtherRegisters, registers, plan.threads(chip));
    if (plan.tilesPerWave * mma.n > kWarpgroupMaxN)
      return formatv("expected at most {0} columns per warpgroup (block_n / "
                     "waves_n), got {1}",
                     kWarpgroupMaxN, plan.tilesPerWave * mma.n);
  }
  if (plan.threads(chip) > 1024)
    return formatv("expected at most 1024 threads (waves_n x slices x {0}), "
                   "got {1}",
                   chip.waveSize, plan.threads(chip));
  if (plan.shared) {
    if (plan.group != plan.tilesPerWave || plan.slices != 1 ||
        plan.wavesM * plan.rowGroup * mma.m != plan.blockM)
      return formatv("expected a shared-tiles plan to have group = the {0} "
                     "column tiles of a wave, slices 1 and waves of "
                     "row_group x 16 rows covering block_m ({1})",
                     plan.tilesPerWave, plan.blockM);
    bool tailOk =
        plan.shared->forcedKTile && !plan.warpgroup && p.depth % 8 == 0;
    if (p.depth % plan.shared->kTile != 0 && !tailOk)
      return formatv("expected K ({0}) to be a multiple of the k tile ({1}), "
                     "or of 8 with a k tile the plan names (ldmatrix plans: "
                     "the last tile zero-filled past K)",
                     p.depth, plan.shared->kTile);
    const SharedTilePlan &ring = *plan.shared;
    if ((ring.aRows * ring.chunks()) % ring.threads != 0 ||
        (ring.bRows * ring.chunks()) % ring.threads != 0)
      return formatv("expected the {0} threads to divide the {1} A and {2} "
                     "weight chunks of a stage",
                     ring.threads, ring.aRows * ring.chunks(),
                     ring.bRows * ring.chunks());
  }
  int64_t lds = 4 * plan.partialElems(chip);
  if (plan.shared) {
    lds += plan.shared->bytes(p.elementBytes);
  } else if (plan.staging) {
    lds += plan.staging->stages * plan.staging->bufferElems() * p.elementBytes;
  } else if (plan.sliceSteps % plan.unroll != 0) {
    return formatv("expected unroll ({0}) to divide the {1} k steps of a "
                   "slice",
                   plan.unroll, plan.sliceSteps);
  }
  int64_t ldsBudget =
      plan.shared ? sharedTileMaxBytes(chip) : chip.staticLdsBytes;
  if (lds > ldsBudget)
    return formatv("expected the plan's LDS ({0} bytes) to fit the {1} bytes "
                   "a workgroup has on {2}",
                   lds, ldsBudget, chip.name);
  return "";
}
