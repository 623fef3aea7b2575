//===- TileCostModel.h - tile sizes of grouped GEMMs ------------*- C++ -*-===//
//
// Chooses block_m/block_n/block_k/split_k for a grouped GEMM on a chip.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TARGET_TILECOSTMODEL_H
#define MOE_TARGET_TILECOSTMODEL_H

#include "moe/Target/Chip.h"

#include <optional>

namespace mlir::moe {

/// A grouped GEMM of one rank: `tokens` tokens routed `topK` ways over
/// `totalExperts` experts, of which `localExperts` are on this rank; each
/// expert's GEMM is [routes x k] * [k x n].
struct GroupedGemmProblem {
  int64_t tokens, topK, totalExperts, localExperts, n, k;
  std::optional<int64_t> fixedBlockM; ///< set when moe.align already chose it
  bool routeOrder = true;             ///< block_m 1 (route order) may be picked
};

struct TileChoice {
  int64_t blockM, blockN, blockK, splitK;
  double routesPerExpert; ///< T * k / E under uniform routing
  double mBlocks;         ///< expected row blocks on this rank
  int64_t workgroups;     ///< m blocks x n blocks x split_k
};

/// Expected row blocks of `blockM` rows that one of `experts` experts fills
/// when `routes` routes go to experts uniformly at random: E[ceil(X /
/// blockM)] with X ~ Binomial(routes, 1 / experts).
double expectedBlocksPerExpert(double routes, double experts, int64_t blockM);

/// The block_m at which the GPU tuning table (TunedPlans.inc, written by
/// bench/tune_plans.py) measured a plan for this GEMM at exactly this token
/// count on this chip, if it has one that is a multiple of the chip's MMA
/// rows `minM` (route order, block_m 1, stays the model's decision): a
/// measured plan's block_m beats the model's, whose plans are not tuned.
std::optional<int64_t>
measuredBlockM(const ChipInfo &chip, const GroupedGemmProblem &p, int64_t minM);

/// Expected routes per expert T*k/E (every local expert expects the same
/// share); block_m 1 (route order) at decode on chips with rowDotDecode when
/// T*k <= E/4 and no expert parallelism, else the block_m of a measured plan
/// (measuredBlockM), else the MMA-compatible block_m in {16, 32, 64, 128}
/// with the least modelled time (expected row blocks per expert, each
/// streaming the expert's weights and running block_m-row MMAs at the chip's
/// peak), block_k from the MMA k and K, the
/// largest block_n whose double-buffered A/B tiles fit the LDS and that still
/// gives at least one workgroup per compute unit, and split_k when even the
/// smallest block_n leaves compute units idle.
TileChoice selectTile(const ChipInfo &chip, const GroupedGemmProblem &p);

} // namespace mlir::moe

#endif // MOE_TARGET_TILECOSTMODEL_H
