//===- TileCostModel.cpp - tile sizes of grouped GEMMs --------------------===//
//
// The cost model behind --moe-select-tiles.
//
//===----------------------------------------------------------------------===//

#include "moe/Target/TileCostModel.h"

#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cmath>

using namespace mlir::moe;

/// Bytes of one bf16 element; A and B tiles are double-buffered in LDS.
static constexpr int64_t kElementBytes = 2;
static constexpr int64_t kStages = 2;

/// Route order (block_m 1: no alignment, the GEMMs read the routes' ids)
/// where the GPU GEMMs would be row dot products anyway: decode on chips
/// that stream decode weights that way (rowDotDecode), with the routes at
/// most a quarter of the experts (so few share an expert), every expert
/// local, and 16-byte runs that divide K of both GEMMs (H and I = n / 2).
static bool routeOrderPays(const ChipInfo &chip, const GroupedGemmProblem &p,
                           double routes) {
  int64_t run = 16 / kElementBytes;
  return p.routeOrder && chip.rowDotDecode &&
         p.localExperts == p.totalExperts && routes >= 1.0 &&
         4.0 * routes <= static_cast<double>(p.totalExperts) &&
         p.k % run == 0 && p.n % 2 == 0 && (p.n / 2) % run == 0;
}

double mlir::moe::expectedBlocksPerExpert(double routes, double experts,
                                          int64_t blockM) {
  double m = static_cast<double>(blockM);
  if (routes <= 0.0)
    return 0.0;
  if (experts <= 1.0)
    return std::ceil(routes / m);
  double pe = 1.0 / experts;
  double mean = routes * pe, sd = std::sqrt(routes * pe * (1.0 - pe));
  double lo = std::max(0.0, std::floor(mean - 12.0 * sd - 1.0));
  double hi = std::min(routes, std::ceil(mean + 12.0 * sd + 1.0));
  // Far too many terms to sum: the counts are then many blocks wide, and
  // ceil(x / m) averages x / m + (m - 1) / 2m over them.
  if (hi - lo > 1e4)
    return mean / m + (m - 1.0) / (2.0 * m);
  // sum over x of P(X = x) * ceil(x / m), the pmf from log-gamma.
  double logP = std::log(pe), logQ = std::log1p(-pe);
  double base = std::lgamma(routes + 1.0), sum = 0.0;
  for (double x = lo; x <= hi; x += 1.0) {
    double logPmf = base - std::lgamma(x + 1.0) -
                    std::lgamma(routes - x + 1.0) + x * logP +
                    (routes - x) * logQ;
    sum += std::exp(logPmf) * std::ceil(x / m);
  }
  return sum;
}

/// The block_m in {16, 32, 64, 128} (multiples of the chip's MMA rows) that
/// takes the least time by a two-term model of one expert's GEMM: every row
/// block streams the expert's whole [k x n] weights from HBM and runs
/// block_m x n x k MMAs at the chip's peak, padded rows included. A block_m
/// that just covers the mean count leaves about half of the experts with a
/// second block, which reads their weights again; a larger one costs padded
/// MMAs, which matter only far from decode.
static int64_t cheapestBlockM(const ChipInfo &chip, const GroupedGemmProblem &p,
                              double routes, int64_t minM) {
  double experts = static_cast<double>(p.totalExperts);
  double weights = static_cast<double>(p.n) * static_cast<double>(p.k);
  int64_t best = 0;
  double bestSeconds = 0.0;
  for (int64_t m : {16, 32, 64, 128}) {
    if (m % minM != 0)
      continue;
    double blocks = expectedBlocksPerExpert(routes, experts, m);
    double seconds =
        blocks *
        (weights * kElementBytes / chip.hbmBytesPerSecond +
         2.0 * static_cast<double>(m) * weights / chip.bf16FlopsPerSecond);
    if (best == 0 || seconds < bestSeconds) {
      best = m;
      bestSeconds = seconds;
    }
  }
  return best == 0 ? 128 : best;
}

namespace {
/// The problem of one GEMM whose plan was measured on a GPU
/// (lib/Conversion/MoEToGPU/TunedPlans.inc): its block_m is measured too.
struct MeasuredGemm {
  const char *chip;
  int64_t tokens, experts, topK, blockM, rows, depth;
  bool summed;
  int64_t elementBytes;
};

#define MOE_TUNED_PLAN(chip, tokens, experts, topK, blockM, rows, depth,       \
                       gated, summed, bytes, ...)                              \
  {chip, tokens, experts, topK, blockM, rows, depth, summed, bytes},
const MeasuredGemm kMeasuredGemms[] = {
#include "../Conversion/MoEToGPU/TunedPlans.inc"
    {nullptr, 0, 0, 0, 0, 0, 0, false, 0}, // the end
};
#undef MOE_TUNED_PLAN
} // namespace

std::optional<int64_t> mlir::moe::measuredBlockM(const ChipInfo &chip,
                                                 const GroupedGemmProblem &p,
                                                 int64_t minM) {
  for (const MeasuredGemm *g = kMeasuredGemms; g->chip; ++g) {
    if (chip.name != g->chip || g->tokens != p.tokens || g->summed ||
        g->elementBytes != kElementBytes || g->topK != p.topK ||
        g->experts != p.localExperts || g->rows != p.n || g->depth != p.k)
      continue;
    if (g->blockM > 1 && g->blockM % minM == 0)
      return g->blockM;
  }
  return std::nullopt;
}

TileChoice mlir::moe::selectTile(const ChipInfo &chip,
                                 const GroupedGemmProblem &p) {
  TileChoice t{};
  int64_t minM = chip.bf16MMA.front().m, minN = chip.bf16MMA.front().n,
          minK = chip.bf16MMA.front().k;
  for (const MMAShape &s : chip.bf16MMA) {
    minM = std::min(minM, s.m);
    minN = std::min(minN, s.n);
    minK = std::min(minK, s.k);
  }
  // In double: T * k of a (mutated or absurd) program may not fit int64.
  double routes = static_cast<double>(p.tokens) * static_cast<double>(p.topK);
  t.routesPerExpert = routes / static_cast<double>(p.totalExperts);

  if (p.fixedBlockM) {
    t.blockM = *p.fixedBlockM;
  } else if (routeOrderPays(chip, p, routes)) {
    t.blockM = 1;
  } else if (std::optional<int64_t> measured = measuredBlockM(chip, p, minM)) {
    t.blockM = *measured;
  } else {
    t.blockM = cheapestBlockM(chip, p, routes, minM);
  }

  // block_k: 64 elements (a 128-byte row of bf16) unless K is smaller.
  t.blockK = std::max<int64_t>(
      minK, std::min<int64_t>(64, llvm::PowerOf2Ceil(std::max<int64_t>(p.k, 1))));

  // Expected row blocks on this rank: experts that receive at least one
  // route, each padded to block_m.
  double localRoutes = routes * static_cast<double>(p.localExperts) /
                       static_cast<double>(p.totalExperts);
  double active =
      static_cast<double>(p.localExperts) *
      (1.0 - std::pow(1.0 - 1.0 / static_cast<double>(p.totalExperts), routes));
  active = std::max(active, 1.0);
  t.mBlocks =
      active * std::ceil(localRoutes / active / static_cast<double>(t.blockM));
  t.mBlocks = std::max(t.mBlocks, 1.0);

  auto fitsLDS = [&](int64_t blockN) {
    return kStages * (t.blockM + blockN) * t.blockK * kElementBytes <=
           chip.ldsBytes;
  };
  // Saturated far above any chip's compute units (no int64 overflow).
  auto workgroups = [&](int64_t blockN) {
    double w = std::ceil(t.mBlocks) * std::ceil(static_cast<double>(p.n) /
                                                static_cast<double>(blockN));
    return static_cast<int64_t>(std::min(w, 1e15));
  };
  int64_t widest = std::max<int64_t>(minN, llvm::PowerOf2Ceil(p.n));
  t.blockN = 0;
  for (int64_t n : {256, 128, 64, 32, 16, 8}) {
    if (n % minN != 0 || n > widest || !fitsLDS(n))
      continue;
    t.blockN = n; // keeps the smallest legal one if none fills the chip
    if (workgroups(n) >= chip.computeUnits)
      break;
  }
  if (t.blockN == 0)
    t.blockN = minN;

  int64_t wgs = workgroups(t.blockN);
  int64_t kSteps = std::max<int64_t>(1, p.k / t.blockK);
  t.splitK = 1;
  if (wgs < chip.computeUnits)
    t.splitK = std::min<int64_t>(
        {llvm::divideCeilSigned(chip.computeUnits, wgs), kSteps, 16});
  t.workgroups = wgs * t.splitK;
  return t;
}
