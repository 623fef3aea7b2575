//===- SelectTiles.cpp - tile configurations from the cost model ----------===//
//
// Implements --moe-select-tiles.
//
//===----------------------------------------------------------------------===//

#include "moe/Passes/Passes.h"
#include "moe/Target/TileCostModel.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOESELECTTILESPASS
#include "passes/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

static int64_t dimOf(Value v, int64_t d) {
  return cast<RankedTensorType>(v.getType()).getDimSize(d);
}

namespace {
struct MoESelectTilesPass
    : mlir::moe::impl::MoESelectTilesPassBase<MoESelectTilesPass> {
  using MoESelectTilesPassBase::MoESelectTilesPassBase;

  /// T of the op's token bucket, else the option's, else the op's static
  /// token count.
  FailureOr<int64_t> tokensFor(Operation *op, int64_t staticTokens) {
    if (int64_t t = expectedTokens(op, tokens); t > 0)
      return t;
    if (!ShapedType::isDynamic(staticTokens))
      return staticTokens;
    return op->emitOpError()
           << "has a dynamic token count; expected a token count for the "
              "tile cost model (moe-compile --tokens=N, or "
              "--moe-select-tiles=\"tokens=N\"; the public functions "
              "whose T is an argument's dim 0 get token buckets: "
              "--moe-split-token-buckets)";
  }

  TileAttr toAttr(const TileChoice &t) {
    return TileAttr::get(&getContext(), t.blockM, t.blockN);
  }

  void runOnOperation() override {
    std::string chipName = target;
    const ChipInfo *chip = lookupChip(chipName);
    if (!chip) {
      getOperation()->emitError() << "unknown --moe-select-tiles target '"
                                  << chipName << "'; expected one of: "
                                  << knownChipNames();
      return signalPassFailure();
    }
    if (epSize < 1 || tokens < 0) {
      getOperation()->emitError()
          << "expected ep-size >= 1 and tokens >= 0, got ep-size="
          << static_cast<int64_t>(epSize)
          << " tokens=" << static_cast<int64_t>(tokens);
      return signalPassFailure();
    }
    WalkResult result = getOperation()->walk([&](Operation *op) {
      if (auto experts = dyn_cast<ExpertsOp>(op)) {
        int64_t e = dimOf(experts.getW1(), 0), k = dimOf(experts.getIds(), 1);
        if (ShapedType::isDynamic(e) || ShapedType::isDynamic(k) ||
            ShapedType::isDynamic(dimOf(experts.getW1(), 1)) ||
            ShapedType::isDynamic(dimOf(experts.getX(), 1)))
          return WalkResult::advance(); // nothing to model

        FailureOr<int64_t> t = tokensFor(op, dimOf(experts.getX(), 0));
        if (failed(t))
          return WalkResult::interrupt();
        // GEMM1 ([routes x H] * [H x 2I]) decides block_m for both GEMMs.
        GroupedGemmProblem p{*t,
                             k,
                             e,
                             std::max<int64_t>(e / epSize, 1),
                             dimOf(experts.getW1(), 1),
                             dimOf(experts.getX(), 1),
                             std::nullopt,
                             routeOrder};
        experts.setTileAttr(toAttr(selectTile(*chip, p)));
      } else if (auto gemm = dyn_cast<GroupedMatmulOp>(op)) {
        auto wType = cast<RankedTensorType>(gemm.getW().getType());
        if (!wType.hasStaticShape())
          return WalkResult::advance(); // nothing to model
        int64_t topK = gemm.getTopKAttr().getInt();
        int64_t rows = dimOf(gemm.getA(), 0);
        int64_t staticTokens =
            ShapedType::isDynamic(rows) || gemm.getRows() == RowSource::Tokens
                ? rows
                : rows / topK;
        FailureOr<int64_t> t = tokensFor(op, staticTokens);
        if (failed(t))
          return WalkResult::interrupt();
        int64_t local = dimOf(gemm.getW(), 0);
        GroupedGemmProblem p{*t,
                             topK,
                             local * epSize,
                             local,
                             dimOf(gemm.getW(), 1),
                             dimOf(gemm.getW(), 2),
                             gemm.getBlockMAttr().getInt(),
                             routeOrder};
        gemm.setTileAttr(toAttr(selectTile(*chip, p)));
      }
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
