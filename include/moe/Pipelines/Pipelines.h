//===- Pipelines.h - named pipelines of moe-mlir ----------------*- C++ -*-===//
//
// Declares the pipelines that moe-compile runs and moe-opt exposes.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_PIPELINES_PIPELINES_H
#define MOE_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

#include <string>

namespace mlir::moe {

/// moe ops and tensors -> the LLVM dialect for the host CPU: the reference
/// lowering, one-shot bufferization with identity-layout function
/// boundaries, ownership-based deallocation, loops, and LLVM conversion.
/// Public functions get `llvm.emit_c_interface`.
void buildCPUReferencePipeline(OpPassManager &pm);

/// Options of `moe-optimize`.
struct OptimizePipelineOptions {
  std::string target = "gfx942"; ///< tile target, or "cpu" (no tiles)
  int64_t tokens = 0;            ///< expected T for the tile cost model
  int64_t epSize = 1;            ///< expert-parallel ranks
};

/// The graph optimization pipeline: select tiles (GPU targets), prune
/// remote experts (ep-size > 1), expand experts, fuse SwiGLU into GEMM1,
/// refine each GEMM's tile, defer all_reduce, then canonicalize and CSE.
void buildOptimizePipeline(OpPassManager &pm,
                           const OptimizePipelineOptions &options);

/// Registers `moe-optimize`.
void registerOptimizePipeline();

/// Registers `moe-cpu-reference-pipeline` and `moe-optimize` for moe-opt.
void registerMoEPipelines();

} // namespace mlir::moe

#endif // MOE_PIPELINES_PIPELINES_H
