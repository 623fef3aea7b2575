//===- GroupedMatmulPlan.h - decisions of the GEMM kernel -------*- C++ -*-===//
//
// Every choice the grouped GEMM kernel template makes, computed once by a
// pure function of the problem and the chip; the emitter reads the plan.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_CONVERSION_MOETOGPU_GROUPEDMATMULPLAN_H
#define MOE_CONVERSION_MOETOGPU_GROUPEDMATMULPLAN_H

#include "SharedTiles.h"
#include "StagedLoads.h"
#include "moe/Conversion/GPUKernels.h"
#include "moe/Target/Chip.h"

#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <optional>
#include <string>

namespace mlir::moe {

/// mma_row_dot: the lanes of a row quad, which share an MMA row and read a
/// weight row's runs side by side.
inline constexpr int64_t kMMARowDotQuadLanes = 4;

/// What the plan depends on: the sizes of one moe.grouped_matmul.
struct GroupedMatmulProblem {
  int64_t blockM;       ///< routes per row block (align's block_m)
  int64_t tileN;        ///< weight rows per workgroup (the tile's block_n)
  int64_t depth;        ///< K
  int64_t elementBytes; ///< bytes of a weight element (2: bf16, f16; 1: fp8
                        ///< and fp4, whose bits weightBits says)
  bool gated;           ///< a gated activation epilogue (gate and up rows)
  GemmLoads loads;      ///< how the k loop may load (KernelOptions)
  // What picks a measured plan (TunedPlans.h); 0 where unknown.
  int64_t rows = 0;    ///< weight rows N
  int64_t experts = 0; ///< E
  int64_t topK = 0;    ///< routes per token
  int64_t tokens = 0;  ///< expected T per call (KernelOptions), 0: unknown
  /// Route order summing each token's topK routes (sum_routes): a lane
  /// streams the k weight rows of an output column as one row of k x K.
  bool sumRoutes = false;
  /// fp8 operands with scales (moe.grouped_matmul's a_scales / w_scales):
  /// only row-dot plans multiply them.
  bool quantized = false;
  /// Bytes of an A element; 0: elementBytes (A and W of one type).
  int64_t aElementBytes = 0;
  /// The gcd of the scale groups' lengths along K (block columns, 32 for
  /// mx) of the quantized operands; 0 when every scale spans the row.
  int64_t scaleGroupK = 0;
  /// Bits of a weight element when it is not a whole byte (4: fp4, packed
  /// two per byte); 0: 8 x elementBytes.
  int64_t weightBits = 0;
  int64_t wBits() const { return weightBits ? weightBits : 8 * elementBytes; }
  /// What an mma_row_dot plan multiplies (hasMMARowDotOperands: fp4 with
  /// mx scales x bf16, or fp8 x fp8), without sum_routes.
  bool mmaRowDotOperands = false;
  /// K of the rows a lane streams: k x K when summing routes, else K.
  int64_t streamDepth() const { return sumRoutes ? topK * depth : depth; }
  int64_t aBytes() const {
    return aElementBytes ? aElementBytes : elementBytes;
  }
};

/// The decisions a plan attribute spells; the rest of a plan follows from
/// them, the chip and the problem (planFromChoice).
struct GemmPlanChoice {
  int64_t blockN, wavesN, slices, group, rowGroup;
  KernelLoads loads;
  int64_t stages; ///< async copies: the ring's stages
  int64_t unroll; ///< register loads: k steps per loop iteration
  /// Shared tiles: the ring's k tile (32, 64 or 128); 0: the model's.
  int64_t kTile = 0;
};

/// The grouped GEMM kernel of one problem on one chip. A workgroup computes
/// blockM x blockN outputs with wavesN * slices waves: wavesN split the
/// column tiles (tilesPerWave each, `group` at a time), `slices` split the
/// k steps (their partial sums meet in LDS). Each lane multiplies rowGroup
/// row tiles (mma.m rows each) with every weight fragment it loads.
struct GroupedMatmulPlan {
  MMAShape mma;         ///< the MMA atom's shape
  int64_t blockM;       ///< rows of the workgroup's output tile
  int64_t blockN;       ///< output columns of the workgroup
  int64_t wavesN;       ///< waves over the column tiles
  int64_t slices;       ///< waves over K (1: no partial sums)
  int64_t tilesPerWave; ///< column tiles of one wave
  int64_t group;        ///< column tiles accumulated at once
  int64_t rowGroup;     ///< row tiles multiplied with one weight load
  int64_t steps;        ///< k steps over K, rounded up
  int64_t sliceSteps;   ///< k steps of one slice
  int64_t kLoad;        ///< consecutive k a lane loads per row
  int64_t aRowsPerStep; ///< A loads per lane and k step
  int64_t unroll;       ///< register loads: k steps per loop iteration
  int64_t accValues;    ///< accumulator values per lane and tile
  bool gated;           ///< gate and up chains per column tile
  /// Async-copy staging of the loads, or nullopt for register loads.
  std::optional<StagingPlan> staging;
  /// The cooperative loop's ring (SharedTiles.h), or nullopt; with it,
  /// wavesM waves split the rows (rowGroup 16-row tiles each) and every
  /// wave holds all its column tiles (group == tilesPerWave).
  std::optional<SharedTilePlan> shared;
  int64_t wavesM = 1; ///< waves over the rows (shared tiles), else 1
  /// The ring is multiplied by warpgroup MMAs (WarpgroupMMA.h): four
  /// consecutive waves form a warpgroup of rowGroup 64-row tiles by
  /// tilesPerWave column tiles; wavesM / 4 warpgroups split the rows and
  /// wavesN the columns.
  bool warpgroup = false;
  /// A row-dot plan (RowDotKernel.cpp, no MMA): wavesN waves of
  /// tilesPerWave output columns each, `group` at a time; a lane reads runs
  /// of kLoad consecutive k of a weight row, the wave's lanes side by side,
  /// `unroll` runs per step with the next step's loads in flight; rowGroup
  /// routes per pass; `slices` waves split a row's runs (their sums meet
  /// in LDS).
  bool rowDot = false;
  int64_t runsPerLane = 0; ///< row_dot: a lane's runs per weight row
  /// A row-dot plan multiplied by mma.sync (MMARowDotKernel.cpp; m16n8k16
  /// bf16 for fp4 weights, m16n8k32 e4m3 for fp8):
  /// the MMA's 16 rows are weight rows (a tile: 8 output columns' gate and
  /// up rows, or 16 columns), its 8 columns routes of the block (rowGroup,
  /// a multiple of 8, per pass). The lanes of row quad g (lanes 4g..4g+3)
  /// read runs of kLoad consecutive k of rows g and g + 8 side by side,
  /// `unroll` runs a step; runsPerLane counts the runs of a lane per row
  /// (the row's runs over the quad's 4 lanes).
  bool mmaRowDot = false;

  /// mma_row_dot: output columns of a 16-row weight tile.
  int64_t mmaTileCols() const { return gated ? 8 : 16; }
  /// mma_row_dot: routes of a pass in tiles of the MMA's 8 columns.
  int64_t routeTiles() const { return rowGroup / 8; }
  /// mma_row_dot: workgroups an SM should hold at once (nvvm.minctasm,
  /// which caps the registers ptxas gives a lane at 64 K / (this x
  /// threads)), 0 for no cap. One route tile: 128 registers for 128
  /// threads, which the gpt-oss a16w4 GEMMs fit without spills (static,
  /// bench/results/h100/mma-row-dot/README.md); two route tiles spilled
  /// under that cap, so they take what ptxas gives them.
  int64_t minWorkgroupsPerSM(int64_t threadsPerWorkgroup) const {
    return mmaRowDot && routeTiles() == 1
               ? std::max<int64_t>(1, 65536 / (128 * threadsPerWorkgroup))
               : 0;
  }

  /// Accumulator chains per column-tile group (gate and up when gated).
  int64_t chains() const { return gated ? 2 * group : group; }
  /// f32 accumulator values of a lane (row tiles x chains x values per tile).
  int64_t laneAccValues() const { return rowGroup * chains() * accValues; }
  /// Threads of a workgroup.
  int64_t threads(const ChipInfo &chip) const {
    return chip.waveSize * wavesN * slices * wavesM;
  }
  /// Registers of a row-dot lane's runs (this step's and the next's) and
  /// f32 sums (a model of what the loop keeps live, checked against a
  /// budget).
  int64_t rowDotRegisters(int64_t weightBits, int64_t aBytes) const {
    int64_t weightRun = llvm::divideCeil(kLoad * weightBits, 32);
    int64_t aRun = llvm::divideCeil(kLoad * aBytes, 4);
    return 2 * unroll * (chains() * weightRun + rowGroup * aRun) +
           rowGroup * chains();
  }
  /// Registers of an mma_row_dot lane: its 16-byte weight runs of two
  /// rows per tile (this step's and, unless staged, the next's) and their
  /// scales (this step's and the next's), the A
  /// runs of a step (kLoad elements of `aBytes` each), and the f32 sums;
  /// with `stepScales` (fp8) also a step's unscaled sums and the scales of
  /// its routes.
  int64_t mmaRowDotRegisters(int64_t aBytes, bool stepScales,
                             bool staged) const {
    int64_t weightRun = 4, scale = 1, aRun = kLoad * aBytes / 4;
    int64_t sums = group * routeTiles() * 4;
    // Staged runs (plan.staging) are read in their step: one step's.
    int64_t steps = staged ? 1 : 2;
    int64_t regs = steps * unroll * group * 2 * weightRun +
                   2 * unroll * group * 2 * scale +
                   unroll * routeTiles() * aRun + sums;
    if (stepScales)
      regs += sums + 2 * routeTiles() * 2;
    return regs;
  }
  /// f32 elements of LDS for the partial sums of slices 1..slices-1 (a
  /// row-dot wave's sums are one value per route and chain).
  int64_t partialElems(const ChipInfo &chip) const {
    if (slices <= 1)
      return 0;
    if (mmaRowDot)
      return (slices - 1) * wavesN * group * routeTiles() * 4 * chip.waveSize;
    if (rowDot)
      return (slices - 1) * wavesN * rowGroup * chains();
    return (slices - 1) * wavesN * chains() * accValues * chip.waveSize;
  }
};

/// The problem of `op` (its tile's block_n, 64 without one) with `loads`
/// and the expected tokens per call: its function's token bucket's, else
/// `tokens` (0: unknown).
GroupedMatmulProblem groupedMatmulProblem(GroupedMatmulOp op, GemmLoads loads,
                                          int64_t tokens = 0);

/// The plan of `problem` on `chip`: the measured plan of TunedPlans.inc
/// where the table has this problem, chip and token count (and the loads
/// are not forced), else the model's; nullopt with `error` set (async-copy
/// loads that cannot be planned; a chip without a 16-row MMA).
std::optional<GroupedMatmulPlan>
planGroupedMatmul(const ChipInfo &chip, const GroupedMatmulProblem &problem,
                  std::string &error);

/// Why `plan` cannot run `problem` on `chip` (expected vs. found), or the
/// empty string: its waves cover the columns and divide the k steps, the
/// accumulators and threads fit, and its LDS fits the chip.
std::string checkGroupedMatmulPlan(const ChipInfo &chip,
                                   const GroupedMatmulProblem &problem,
                                   const GroupedMatmulPlan &plan);

/// The plan `choice` spells (the rest derived from the chip and the
/// problem), checked; nullopt with `error` set when it cannot run.
std::optional<GroupedMatmulPlan>
planFromChoice(const ChipInfo &chip, const GroupedMatmulProblem &problem,
               const GemmPlanChoice &choice, std::string &error);

/// The plan an attribute spells (planFromChoice).
std::optional<GroupedMatmulPlan>
planFromAttr(const ChipInfo &chip, const GroupedMatmulProblem &problem,
             GemmPlanAttr attr, std::string &error);

/// The attribute that spells `plan`.
GemmPlanAttr toAttr(MLIRContext *ctx, const GroupedMatmulPlan &plan);

} // namespace mlir::moe

#endif // MOE_CONVERSION_MOETOGPU_GROUPEDMATMULPLAN_H
