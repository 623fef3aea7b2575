//===- Pipelines.h - named pipelines of moe-mlir ----------------*- C++ -*-===//
//
// Declares the pipelines that moe-compile runs and moe-opt exposes.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_PIPELINES_PIPELINES_H
#define MOE_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace mlir::moe {

/// moe ops and tensors -> the LLVM dialect for the host CPU: the reference
/// lowering, one-shot bufferization with identity-layout function
/// boundaries, ownership-based deallocation, loops, and LLVM conversion.
/// Public functions get `llvm.emit_c_interface`.
void buildCPUReferencePipeline(OpPassManager &pm);

/// Registers `moe-cpu-reference-pipeline` for moe-opt.
void registerMoEPipelines();

} // namespace mlir::moe

#endif // MOE_PIPELINES_PIPELINES_H
