//===- RowDotPlan.cpp - decisions of the row-dot GEMM kernel --------------===//
//
// The row-dot plan of the grouped GEMM (RowDotKernel.cpp): when the model
// picks it, its shape, and why a plan cannot run.
//
//===----------------------------------------------------------------------===//

#include "RowDotPlan.h"

#include <algorithm>

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir::moe;

static std::string checkMMARowDotPlan(const ChipInfo &chip,
                                      const GroupedMatmulProblem &p,
                                      const GroupedMatmulPlan &plan);

/// Waves of a row-dot workgroup and the registers a lane's runs and sums
/// may take.
static constexpr int64_t kRowDotWaves = 4;
static constexpr int64_t kRowDotMaxRegisters = 128;
/// The shortest weight rows the model streams with row dot products.
static constexpr int64_t kRowDotMinDepth = 2048;

/// A lane's runs of kLoad consecutive k over a weight row of K, the
/// wave's lanes side by side (the last round masked past K).
static int64_t rowDotRunsPerLane(const ChipInfo &chip, int64_t depth,
                                 int64_t kLoad) {
  return llvm::divideCeil(llvm::divideCeil(depth, kLoad), chip.waveSize);
}

GroupedMatmulPlan mlir::moe::rowDotBase(const ChipInfo &chip,
                                        const GroupedMatmulProblem &p,
                                        GroupedMatmulPlan plan) {
  plan.rowDot = true;
  plan.kLoad = 128 / p.wBits(); // 16 bytes of weights
  plan.runsPerLane = rowDotRunsPerLane(chip, p.streamDepth(), plan.kLoad);
  plan.slices = 1;
  plan.sliceSteps = plan.steps;
  plan.wavesM = 1;
  return plan;
}

/// The waves per SM that a summed-routes GEMM fills before its waves take
/// more than one column a step.
static constexpr int64_t kSummedWavesPerUnit = 32;

/// Columns a step of a summed-routes GEMM (sum_routes): one wave per
/// `group` columns of a token, the fewest (1, 2, 4, 8) that keep the
/// call's waves (T x N / group) within kSummedWavesPerUnit per SM. Its
/// stream (k x K per column) is long, so one run a step (unroll 1) keeps
/// enough loads in flight. In the H200 sweep of T = 1
/// (bench/results/h200/sum-routes/tune-t1) this plan (one column; two for
/// DeepSeek-V3's 7168 columns) was within 1.3 % of the best candidate of
/// each of the five models; the plan before it (two columns, four runs a
/// step) was 5-16 % slower than the best.
static int64_t summedRowDotGroup(const ChipInfo &chip,
                                 const GroupedMatmulProblem &p) {
  int64_t tokens = std::max<int64_t>(p.tokens, 1);
  int64_t budget = chip.computeUnits * kSummedWavesPerUnit;
  int64_t group = 1;
  while (group < 8 && tokens * p.rows / group > budget)
    group *= 2;
  return group;
}

/// Weight runs a row-dot step should have in flight per lane: the model's
/// bf16 plans (4 runs of 2 rows) measured best in the H200 sweep.
static constexpr int64_t kRowDotRunsPerStep = 8;
/// Routes a block of the problem is expected to hold (its mean routes per
/// expert, at most block_m); 1 when T is unknown.
static int64_t expectedBlockRoutes(const GroupedMatmulProblem &p) {
  if (p.tokens <= 0 || p.experts <= 0)
    return 1;
  return std::max<int64_t>(
      1, std::min<int64_t>(p.tokens * p.topK / p.experts, p.blockM));
}

/// The model's row-dot plan, within 3 % of the best row-dot candidate of
/// each case of the H200 sweep (bench/results/h200/row-dot-tune): 16-byte
/// runs, the most runs per step up to 4 (dividing the lane's runs), two
/// weight rows per step (gate and up of one column, else two columns), one
/// step group per wave (many small workgroups), kRowDotWaves waves. On
/// NVIDIA (measured on an H100: bench/results/h100/mxfp4), blocks expected
/// to hold several routes (quantized GEMMs past decode) take up to 4 of
/// them a pass, so that each weight load serves them all, and where fewer
/// runs divide a lane's (3 for a 2880-long fp4 row) more columns a step
/// keep kRowDotRunsPerStep runs in flight. AMD keeps one route a pass and
/// the columns above: more took gfx950's fp8 kernels past their registers
/// (DeepSeek-V3's GEMM1: 476 VGPRs, no wave could run). Where the
/// registers would not fit: fewer runs, then routes, then columns per step.
GroupedMatmulPlan mlir::moe::planRowDot(const ChipInfo &chip,
                                        const GroupedMatmulProblem &p,
                                        GroupedMatmulPlan base) {
  GroupedMatmulPlan plan = rowDotBase(chip, p, base);
  plan.rowGroup = 1;
  plan.aRowsPerStep = 1;
  plan.wavesN = kRowDotWaves;
  plan.unroll = 1;
  if (p.sumRoutes) {
    plan.group = summedRowDotGroup(chip, p);
    plan.tilesPerWave = plan.group;
    plan.blockN = plan.wavesN * plan.tilesPerWave;
    return plan;
  }
  for (int64_t u : {4, 2})
    if (plan.runsPerLane % u == 0) {
      plan.unroll = u;
      break;
    }
  bool nvidia = chip.vendor == GPUVendor::NVIDIA;
  if (nvidia)
    plan.rowGroup = std::min<int64_t>(
        4, static_cast<int64_t>(
               llvm::bit_floor(static_cast<uint64_t>(expectedBlockRoutes(p)))));
  plan.group = p.gated ? 1 : 2;
  auto fits = [&] {
    return plan.rowDotRegisters(p.wBits(), p.aBytes()) <= kRowDotMaxRegisters;
  };
  while (!fits() && (plan.unroll > 1 || plan.rowGroup > 1 || plan.group > 1)) {
    if (plan.unroll > 1)
      plan.unroll /= 2;
    else if (plan.rowGroup > 1)
      plan.rowGroup /= 2;
    else
      plan.group /= 2;
  }
  while (nvidia && plan.unroll * plan.chains() < kRowDotRunsPerStep) {
    plan.group *= 2;
    if (!fits()) {
      plan.group /= 2;
      break;
    }
  }
  plan.tilesPerWave = plan.group;
  plan.blockN = plan.wavesN * plan.tilesPerWave;
  return plan;
}

/// Why a row-dot plan cannot run (expected vs. found), or "".
std::string mlir::moe::checkRowDotPlan(const ChipInfo &chip,
                                       const GroupedMatmulProblem &p,
                                       const GroupedMatmulPlan &plan) {
  using llvm::formatv;
  if (plan.mmaRowDot)
    return checkMMARowDotPlan(chip, p, plan);
  if (plan.blockN % (plan.wavesN * plan.group) != 0)
    return formatv("expected block_n ({0}) to be a multiple of waves_n x "
                   "group ({1} x {2}) with row_dot loads",
                   plan.blockN, plan.wavesN, plan.group);
  if (plan.slices < 1 || plan.runsPerLane % (plan.unroll * plan.slices) != 0)
    return formatv("expected unroll x slices ({0} x {1}) to divide the {2} "
                   "runs a lane reads per weight row",
                   plan.unroll, plan.slices, plan.runsPerLane);
  if (p.depth % plan.kLoad != 0)
    return formatv("expected K ({0}) to be a multiple of the {1} elements "
                   "of a lane's 16-byte weight run",
                   p.depth, plan.kLoad);
  if (p.scaleGroupK && p.scaleGroupK % plan.kLoad != 0)
    return formatv("expected the scale groups along K ({0} elements) to be "
                   "a multiple of the {1} elements of a lane's run",
                   p.scaleGroupK, plan.kLoad);
  if (p.sumRoutes && p.topK > chip.waveSize)
    return formatv("expected top_k ({0}) to be at most the {1} lanes of a "
                   "wave when the GEMM sums each token's routes",
                   p.topK, chip.waveSize);
  if (plan.blockM % plan.rowGroup != 0)
    return formatv("expected row_group ({0}) to divide block_m ({1})",
                   plan.rowGroup, plan.blockM);
  if (plan.threads(chip) > 1024)
    return formatv("expected at most 1024 threads (waves_n x {0}), got {1}",
                   chip.waveSize, plan.threads(chip));
  int64_t registers = plan.rowDotRegisters(p.wBits(), p.aBytes());
  if (registers > kRowDotMaxRegisters)
    return formatv("expected the runs and sums of a lane (2 x unroll x "
                   "(group x {0} weight runs of {1} bytes + row_group A runs "
                   "of {2} bytes), row_group x group x {0} f32) to take at "
                   "most {3} registers, got {4}",
                   p.gated ? 2 : 1, plan.kLoad * p.wBits() / 8,
                   plan.kLoad * p.aBytes(), kRowDotMaxRegisters, registers);
  return "";
}

/// mma_row_dot: the registers a lane's runs, scales and sums may take (the
/// rest of the 255 go to the widened pairs and addresses).
static constexpr int64_t kMMARowDotMaxRegisters = 128;
/// mma_row_dot: warps per SM the slices should give the call at least.
static constexpr int64_t kMMARowDotWarpsPerUnit = 16;

/// fp8 mma_row_dot: the quad's k of one run each (4 x 16), which a step's
/// scales span (one scale group along K holds a whole step).
static constexpr int64_t kMMARowDotFp8RunsK = kMMARowDotQuadLanes * 16;

/// An fp8 mma_row_dot multiplies its step's sums by their scales.
static bool mmaRowDotStepScales(const GroupedMatmulProblem &p) {
  return p.wBits() == 8 && p.quantized;
}

bool mlir::moe::mmaRowDotFits(const ChipInfo &chip,
                              const GroupedMatmulProblem &p) {
  if (chip.mmaFamily != MMAFamily::MMASync || !p.mmaRowDotOperands ||
      p.depth % (128 / p.wBits()) != 0)
    return false;
  if (p.wBits() != 8)
    return true;
  return chip.fp8 == Fp8Flavor::OCP &&
         (p.scaleGroupK == 0 || p.scaleGroupK % kMMARowDotFp8RunsK == 0);
}

/// The blocks of a call expected to hold routes: one per route in route
/// order (block_m 1), else at most one per expert.
static int64_t expectedLiveBlocks(const GroupedMatmulProblem &p) {
  int64_t routes =
      std::max<int64_t>(p.tokens, 1) * std::max<int64_t>(p.topK, 1);
  if (p.blockM == 1 || p.experts <= 0)
    return routes;
  return std::min(routes, p.experts);
}

GroupedMatmulPlan mlir::moe::mmaRowDotBase(const ChipInfo &chip,
                                           const GroupedMatmulProblem &p,
                                           GroupedMatmulPlan base) {
  GroupedMatmulPlan plan = rowDotBase(chip, p, base);
  plan.mmaRowDot = true;
  plan.runsPerLane = llvm::divideCeil(llvm::divideCeil(p.depth, plan.kLoad),
                                      kMMARowDotQuadLanes);
  return plan;
}

/// The model's mma_row_dot plan: two tiles a step (each row quad's runs
/// then serve 32 weight rows with one A run per route tile), one run a
/// step, routes in one 8-column tile (two where blocks are expected to
/// hold more than 4 on average, so that the blocks above the mean take one
/// pass too), and K slices (up to 8) until the call has
/// kMMARowDotWarpsPerUnit warps per SM, each slice at least two steps;
/// waves over columns make a workgroup of 4 waves. On an H100 (gpt-oss
/// a16w4 GEMM1, bench/results/h100/mma-row-dot run 1) the other candidates
/// (slices 2 or 8, unroll 2, one tile a step) were within 4 % of this plan
/// at T = 1..256, two route tiles at T = 16 and 64 1.2x slower, and one
/// route tile at T = 256 1.04x slower. fp8 stages its runs through LDS
/// with as many cp.async stages as fit (with one step of runs in
/// registers it was 0.55-0.86x Triton a8w8 at T = 4..256, which keeps 3-4
/// stages of weight tiles in flight: bench/results/h100/fp8-mma-row-dot
/// run 1; staged, 1.03-1.25x faster at T >= 4, run 2) and takes two runs
/// a step (128 k, its sums scaled each step), which in run 3 made
/// DeepSeek-V3's a8w8 layer 1.18x / 1.21x faster at T = 16 / 64 than one
/// run a step with 4 stages (other slices: within 1 %), and one tile a
/// step, which made it 1.06x / 1.05x / 1.03x faster at T = 16 / 64 / 256
/// than two (GEMM1 candidates of run 4).
GroupedMatmulPlan mlir::moe::planMMARowDot(const ChipInfo &chip,
                                           const GroupedMatmulProblem &p,
                                           GroupedMatmulPlan base) {
  GroupedMatmulPlan plan = mmaRowDotBase(chip, p, base);
  plan.unroll = 1;
  // fp8 (staged): two runs a step (128 k) where a scale group holds them.
  bool fp8 = p.wBits() == 8;
  if (fp8 && plan.runsPerLane >= 4 &&
      (p.scaleGroupK == 0 || p.scaleGroupK % (2 * kMMARowDotFp8RunsK) == 0))
    plan.unroll = 2;
  plan.group = fp8 ? 1 : 2;
  plan.rowGroup = expectedBlockRoutes(p) > 4 ? 16 : 8;
  bool stepScales = mmaRowDotStepScales(p);
  // fp8 runs are staged (planMMARowDotStaging below).
  while (plan.mmaRowDotRegisters(p.aBytes(), stepScales, /*staged=*/fp8) >
             kMMARowDotMaxRegisters &&
         (plan.rowGroup > 8 || plan.group > 1 || plan.unroll > 1)) {
    if (plan.rowGroup > 8)
      plan.rowGroup = 8;
    else if (plan.unroll > 1)
      plan.unroll = 1;
    else
      plan.group = 1;
  }
  int64_t tiles = llvm::divideCeil(p.rows, 16);
  int64_t warps = expectedLiveBlocks(p) * llvm::divideCeil(tiles, plan.group);
  plan.slices = 1;
  while (plan.slices < 8 &&
         warps * plan.slices < chip.computeUnits * kMMARowDotWarpsPerUnit &&
         plan.runsPerLane >= 2 * 2 * plan.slices * plan.unroll)
    plan.slices *= 2;
  plan.wavesN = std::max<int64_t>(1, 4 / plan.slices);
  plan.tilesPerWave = plan.group;
  plan.blockN = plan.wavesN * plan.tilesPerWave * plan.mmaTileCols();
  plan.staging = planMMARowDotStaging(chip, p, plan);
  if (fp8 && !plan.staging && plan.unroll > 1) {
    plan.unroll = 1;
    plan.staging = planMMARowDotStaging(chip, p, plan);
  }
  return plan;
}

std::optional<StagingPlan>
mlir::moe::planMMARowDotStaging(const ChipInfo &chip,
                                const GroupedMatmulProblem &p,
                                const GroupedMatmulPlan &plan, int64_t stages) {
  if (p.wBits() != 8 || plan.group < 1 || plan.unroll < 1 || plan.slices < 1)
    return std::nullopt;
  int64_t kIters =
      llvm::divideCeil(plan.runsPerLane, plan.unroll * plan.slices);
  int64_t steps = plan.tilesPerWave / plan.group * kIters;
  int64_t slots = plan.unroll * (2 * plan.group + plan.routeTiles());
  std::optional<StagingPlan> staging =
      planStagedLoads(chip, /*elementBytes=*/1, plan.kLoad, slots, steps,
                      plan.wavesN * plan.slices,
                      chip.staticLdsBytes - 4 * plan.partialElems(chip));
  if (!staging || staging->stages < stages)
    return std::nullopt;
  if (stages)
    staging->stages = stages;
  return staging;
}

/// Why an mma_row_dot plan cannot run (expected vs. found), or "".
static std::string checkMMARowDotPlan(const ChipInfo &chip,
                                      const GroupedMatmulProblem &p,
                                      const GroupedMatmulPlan &plan) {
  using llvm::formatv;
  if (!mmaRowDotFits(chip, p))
    return formatv("expected mma_row_dot loads only on a chip with mma.sync "
                   "(found {0}) for fp4 weights with mx scales times bf16 "
                   "activations without scales, or OCP fp8 weights times "
                   "OCP fp8 activations with scale groups along K a "
                   "multiple of {1} (found {2}), no sum_routes, with K a "
                   "multiple of {3} (found {4})",
                   chip.name, kMMARowDotFp8RunsK, p.scaleGroupK,
                   128 / p.wBits(), p.depth);
  int64_t width = plan.wavesN * plan.group * plan.mmaTileCols();
  if (plan.blockN % width != 0)
    return formatv("expected block_n ({0}) to be a multiple of waves_n x "
                   "group x {1} output columns a tile ({2} x {3}) with "
                   "mma_row_dot loads",
                   plan.blockN, plan.mmaTileCols(), plan.wavesN, plan.group);
  if (plan.rowGroup % 8 != 0)
    return formatv("expected row_group ({0}) to be a multiple of the MMA's "
                   "8 columns with mma_row_dot loads",
                   plan.rowGroup);
  if (plan.threads(chip) > 1024)
    return formatv("expected at most 1024 threads (waves_n x slices x {0}), "
                   "got {1}",
                   chip.waveSize, plan.threads(chip));
  if (plan.slices > plan.runsPerLane)
    return formatv("expected slices ({0}) to be at most the {1} runs a lane "
                   "reads per weight row",
                   plan.slices, plan.runsPerLane);
  if (p.scaleGroupK && p.scaleGroupK % plan.kLoad != 0)
    return formatv("expected the scale groups along K ({0} elements) to be "
                   "a multiple of the {1} elements of a lane's run",
                   p.scaleGroupK, plan.kLoad);
  if (int64_t stepK = kMMARowDotQuadLanes * plan.kLoad * plan.unroll;
      mmaRowDotStepScales(p) && p.scaleGroupK && p.scaleGroupK % stepK != 0)
    return formatv("expected the scale groups along K ({0} elements) to be "
                   "a multiple of the {1} k of an fp8 mma_row_dot step "
                   "(4 lanes x {2} x unroll {3})",
                   p.scaleGroupK, stepK, plan.kLoad, plan.unroll);
  if (plan.staging && p.wBits() != 8)
    return formatv("expected staged mma_row_dot loads (stages = {0}) only "
                   "for fp8 weights",
                   plan.staging->stages);
  if (int64_t lds =
          4 * plan.partialElems(chip) +
          (plan.staging ? plan.staging->stages * plan.staging->bufferElems()
                        : 0);
      lds > chip.staticLdsBytes)
    return formatv("expected the plan's LDS ({0} bytes: slices' sums and "
                   "staged runs) to fit the {1} bytes a workgroup has on {2}",
                   lds, chip.staticLdsBytes, chip.name);
  bool stepScales = mmaRowDotStepScales(p);
  if (int64_t registers = plan.mmaRowDotRegisters(p.aBytes(), stepScales,
                                                  plan.staging.has_value());
      registers > kMMARowDotMaxRegisters)
    return formatv("expected the runs, scales and sums of an mma_row_dot "
                   "lane ({0} x unroll x group x 2 x 4 weight runs + 2 x "
                   "unroll x group x 2 scales + unroll x row_group / 8 x {1} "
                   "A runs + group x row_group / 8 x 4 sums{2}) to take at "
                   "most {3} registers, got {4}",
                   plan.staging ? 1 : 2, plan.kLoad * p.aBytes() / 4,
                   stepScales ? " x 2 + row_group / 8 x 4 route scales" : "",
                   kMMARowDotMaxRegisters, registers);
  return "";
}

/// Whether the model picks row dot products: decode on NVIDIA, where the
/// routes are at most a quarter of the experts (nearly every block has one
/// route, so an MMA tile would multiply one A row, and a second pass over a
/// block's weights is rare) and the weight rows are long (K >= 2048). In
/// the H200 sweep (bench/results/h200/row-dot-tune, T = 1 and 4 of five
/// models) the model's plan was 0.69-0.98x the layer time per GEMM at
/// Qwen3, DeepSeek, Mixtral and MiniMax T = 1 and gpt-oss and MiniMax
/// T = 4, 1.00-1.01x at Qwen3 and DeepSeek T = 4, and 1.03-1.04x at
/// gpt-oss T = 1 (slower; not yet excluded); short rows (K <= 384) were
/// slower, and so were 8 routes over Mixtral's 8 experts and, in
/// bench/results/h200/row-dot, T = 16. AMD keeps its plans until measured.
bool mlir::moe::rowDotPays(const ChipInfo &chip,
                           const GroupedMatmulProblem &p) {
  return chip.rowDotDecode && p.tokens > 0 &&
         4 * p.tokens * p.topK <= p.experts && p.depth >= kRowDotMinDepth;
}
