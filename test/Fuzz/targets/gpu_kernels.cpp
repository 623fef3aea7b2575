//===- gpu_kernels.cpp - fuzz the GPU kernel lowering for one chip --------===//
//
// Parses an input, compiles it for MOE_FUZZ_CHIP as moe-compile does and
// translates the kernels to LLVM IR, stopping before ptxas or ld.lld.
//
//===----------------------------------------------------------------------===//

#include "FuzzMLIR.h"

#include "moe/Pipelines/Pipelines.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  moe::fuzz::Session session;
  mlir::MLIRContext &context = session.context;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      moe::fuzz::parseMoEProgram(data, size, session);
  if (!module)
    return -1;
  const mlir::moe::ChipInfo *chip = mlir::moe::lookupChip(MOE_FUZZ_CHIP);
  mlir::PassManager pm(&context);
  mlir::moe::buildOptimizePipeline(pm, {MOE_FUZZ_CHIP, 0, 1, 0});
  mlir::moe::addKernelPlanningPasses(pm, *chip, {});
  mlir::moe::addGPUKernelLoweringPasses(pm, *chip, {});
  if (mlir::failed(pm.run(*module)))
    return 0;
  // What gpu-module-to-binary would hand to the NVPTX or AMDGPU backend (a
  // failed translation is a diagnostic there, not a crash).
  for (auto gpuModule : module->getOps<mlir::gpu::GPUModuleOp>()) {
    llvm::LLVMContext llvmContext;
    (void)mlir::translateModuleToLLVMIR(gpuModule, llvmContext, "kernels");
  }
  return 0;
}
