//===- KernelLowering.cpp - kernel modules to ROCDL or NVVM ---------------===//
//
// The per-chip part of lowering kernel modules: target attributes and passes.
//
//===----------------------------------------------------------------------===//

#include "moe/Target/GPUTarget.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/AMDGPU/IR/AMDGPUDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/LLVMIR/ROCDLDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

using namespace mlir;
using namespace mlir::moe;

void mlir::moe::loadKernelDialects(MLIRContext *ctx) {
  ctx->loadDialect<amdgpu::AMDGPUDialect, arith::ArithDialect,
                   gpu::GPUDialect, LLVM::LLVMDialect, math::MathDialect,
                   memref::MemRefDialect, NVVM::NVVMDialect,
                   ROCDL::ROCDLDialect, scf::SCFDialect,
                   tensor::TensorDialect, vector::VectorDialect>();
}

LogicalResult mlir::moe::expandKernelMath(Operation *root) {
  RewritePatternSet erf(root->getContext());
  populatePolynomialApproximateErfPattern(erf);
  FrozenRewritePatternSet patterns(std::move(erf));
  WalkResult result = root->walk([&](gpu::GPUModuleOp module) {
    return failed(applyPatternsGreedily(module, patterns))
               ? WalkResult::interrupt()
               : WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

void mlir::moe::addKernelLoweringPasses(OpPassManager &pm,
                                        const ChipInfo &chip) {
  OpPassManager &gpu = pm.nest<gpu::GPUModuleOp>();
  gpu.addPass(createSCFToControlFlowPass());
  if (chip.vendor == GPUVendor::NVIDIA) {
    // exp and rsqrt go through libdevice (__nv_expf), which
    // gpu-module-to-binary links from the CUDA toolkit.
    ConvertGpuOpsToNVVMOpsOptions nvvm;
    nvvm.indexBitwidth = 64;
    gpu.addPass(createConvertGpuOpsToNVVMOps(nvvm));
  } else {
    // exp becomes an LLVM intrinsic: no device library (ocml) is linked.
    gpu.addPass(createConvertMathToLLVMPass());
    ConvertGpuOpsToROCDLOpsOptions rocdl;
    rocdl.chipset = chip.name.str();
    rocdl.indexBitwidth = 64;
    gpu.addPass(createConvertGpuOpsToROCDLOps(rocdl));
  }
  pm.addPass(createReconcileUnrealizedCastsPass());
}

std::string mlir::moe::kernelToolkit(const ChipInfo &chip,
                                     StringRef amdToolkit) {
  if (chip.vendor == GPUVendor::AMD)
    return amdToolkit.str();
  if (llvm::ErrorOr<std::string> ptxas = llvm::sys::findProgramByName("ptxas"))
    return llvm::sys::path::parent_path(llvm::sys::path::parent_path(*ptxas))
        .str();
  if (llvm::sys::fs::exists("/usr/local/cuda/bin/ptxas"))
    return "/usr/local/cuda";
  return "";
}
