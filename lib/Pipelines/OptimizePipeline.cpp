//===- OptimizePipeline.cpp - the moe-optimize graph pipeline -------------===//
//
// Orders the graph passes: tile, prune, expand, fuse, retile, defer, clean up.
//
//===----------------------------------------------------------------------===//

#include "moe/Pipelines/Pipelines.h"

#include "moe/Passes/Passes.h"

#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::moe;

void mlir::moe::buildOptimizePipeline(OpPassManager &pm,
                                      const OptimizePipelineOptions &options) {
  // Tiles first: they fix block_m, which pruning and expansion build on.
  bool gpu = options.target != "cpu";
  // Without one expected T, each function with a dynamic T gets a copy per
  // token bucket, planned for its own T.
  bool buckets = gpu && (options.tokens == 0 || options.maxTokens > 0);
  // fp8 of the chip's flavor only (OCP weights converted where asked).
  if (gpu) {
    MoELegalizeFp8PassOptions fp8;
    fp8.target = options.target;
    fp8.ocpToFnuz = options.ocpToFnuz;
    pm.addPass(createMoELegalizeFp8Pass(fp8));
  }
  if (buckets) {
    MoESplitTokenBucketsPassOptions split;
    split.minTokens = std::max<int64_t>(options.tokens, 1);
    split.maxTokens = options.maxTokens;
    pm.addPass(createMoESplitTokenBucketsPass(split));
  }
  MoESelectTilesPassOptions tiles;
  tiles.target = options.target;
  tiles.tokens = buckets ? 0 : options.tokens;
  tiles.epSize = options.epSize;
  tiles.routeOrder = options.routeOrder;
  if (gpu)
    pm.addPass(createMoESelectTilesPass(tiles));
  if (options.epSize > 1) {
    MoEPruneRemoteExpertsPassOptions prune;
    prune.epSize = options.epSize;
    pm.addPass(createMoEPruneRemoteExpertsPass(prune));
  }
  pm.addPass(createMoEExpandExpertsPass());
  pm.addPass(createMoEFuseSwiGLUGemm1Pass());
  // Before the quantize fuses into GEMM1: GEMM2 may read GEMM1's rows as
  // they are.
  MoESkipInterStageQuantPassOptions skipQuant;
  skipQuant.target = options.target;
  skipQuant.mode = options.skipInterStageQuant;
  pm.addPass(createMoESkipInterStageQuantPass(skipQuant));
  // GPU kernels have no quantizing GEMM epilogue (out_quant) yet: there the
  // moe.quantize between the GEMMs stays its own kernel (the same codes).
  if (!gpu)
    pm.addPass(createMoEFuseActivationQuantPass());
  MoEFuseCombineGemm2PassOptions combine;
  combine.target = options.target;
  pm.addPass(createMoEFuseCombineGemm2Pass(combine));
  // Once more per GEMM: each gets its own block_n for its N and K (block_m
  // stays what moe.align uses).
  if (gpu)
    pm.addPass(createMoESelectTilesPass(tiles));
  pm.addPass(createMoEDeferAllReducePass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Equal buckets merge after planning (the GPU pipeline), not here.
  if (buckets) {
    MoEDispatchTokenBucketsPassOptions dispatch;
    dispatch.merge = false;
    pm.addPass(createMoEDispatchTokenBucketsPass(dispatch));
  }
}

namespace {
struct OptimizeOptions : PassPipelineOptions<OptimizeOptions> {
  Option<std::string> target{
      *this, "target",
      llvm::cl::desc("chip whose tiles to select: gfx942, gfx950, sm_90, or "
                     "cpu (no tile selection)"),
      llvm::cl::init("gfx942")};
  Option<int64_t> tokens{
      *this, "tokens",
      llvm::cl::desc("expected tokens per call for the tile cost model; 0 "
                     "(or with max-tokens, the least T): token buckets on "
                     "GPU targets, else the static T of each op"),
      llvm::cl::init(0)};
  Option<int64_t> maxTokens{
      *this, "max-tokens",
      llvm::cl::desc("largest T of the token buckets (0: no bound)"),
      llvm::cl::init(0)};
  Option<int64_t> epSize{
      *this, "ep-size",
      llvm::cl::desc("expert-parallel ranks (> 1 prunes remote experts)"),
      llvm::cl::init(1)};
  Option<bool> routeOrder{
      *this, "route-order",
      llvm::cl::desc("let decode moe.experts run in route order (block_m "
                     "1, no moe.align) where the tile model picks it"),
      llvm::cl::init(true)};
  Option<std::string> skipInterStageQuant{
      *this, "skip-inter-stage-quant",
      llvm::cl::desc("let GEMM2 read GEMM1's activations unquantized "
                     "(--moe-skip-inter-stage-quant): auto (the target's "
                     "cost model; cpu keeps the quantization), always or "
                     "never"),
      llvm::cl::init("auto")};
  Option<bool> ocpToFnuz{
      *this, "ocp-to-fnuz",
      llvm::cl::desc("gfx942: convert OCP fp8 weights with f32 scales to "
                     "FNUZ (--moe-legalize-fp8 ocp-to-fnuz) instead of "
                     "reporting them"),
      llvm::cl::init(false)};
};
} // namespace

void mlir::moe::registerOptimizePipeline() {
  PassPipelineRegistration<OptimizeOptions>(
      "moe-optimize",
      "The graph optimization pipeline: fp8 flavors checked, token buckets "
      "and tiles (GPU targets), prune "
      "remote experts (ep-size > 1), expand experts, fuse SwiGLU into GEMM1 "
      "and "
      "quantization of its rows into its epilogue (unless GEMM2 reads them "
      "unquantized: skip-inter-stage-quant), "
      "fuse the combine into a route-order GEMM2, refine each GEMM's tile, "
      "defer all_reduce into the next RMSNorm, "
      "canonicalize and CSE",
      [](OpPassManager &pm, const OptimizeOptions &o) {
        buildOptimizePipeline(pm, {o.target, o.tokens, o.epSize, o.maxTokens,
                                   o.routeOrder, o.skipInterStageQuant,
                                   o.ocpToFnuz});
      });
}
