//===- KernelLowering.cpp - kernel modules to ROCDL or NVVM ---------------===//
//
// The per-chip part of lowering kernel modules: target attributes and passes.
//
//===----------------------------------------------------------------------===//

#include "moe/Target/GPUTarget.h"

#include "moe/Conversion/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/AMDGPU/IR/AMDGPUDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/LLVMIR/ROCDLDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/VersionTuple.h"

#include <cstdlib>

using namespace mlir;
using namespace mlir::moe;

void mlir::moe::loadKernelDialects(MLIRContext *ctx) {
  ctx->loadDialect<amdgpu::AMDGPUDialect, arith::ArithDialect, gpu::GPUDialect,
                   LLVM::LLVMDialect, math::MathDialect, memref::MemRefDialect,
                   nvgpu::NVGPUDialect, NVVM::NVVMDialect, ROCDL::ROCDLDialect,
                   scf::SCFDialect, tensor::TensorDialect,
                   vector::VectorDialect>();
}

void mlir::moe::addKernelLoweringPasses(OpPassManager &pm,
                                        const ChipInfo &chip) {
  OpPassManager &gpu = pm.nest<gpu::GPUModuleOp>();
  // fp8 and E8M0 widened by integer ops (the row-dot GEMM's quantized
  // operands): neither LLVM backend takes these float types.
  gpu.addPass(createMoEExpandSmallFloatConversionsPass());
  gpu.addPass(createMoEExpandKernelMathPass());
  MoELowerSubgroupReducePassOptions reduce;
  reduce.waveSize = chip.waveSize;
  gpu.addPass(createMoELowerSubgroupReducePass(reduce));
  gpu.addPass(createSCFToControlFlowPass());
  if (chip.vendor == GPUVendor::NVIDIA) {
    // exp and rsqrt go through libdevice (__nv_expf), which
    // gpu-module-to-binary links from the CUDA toolkit.
    ConvertGpuOpsToNVVMOpsOptions nvvm;
    nvvm.indexBitwidth = 64;
    gpu.addPass(createConvertGpuOpsToNVVMOps(nvvm));
    // The GEMM's cp.async copies (nvgpu.device_async_*).
    gpu.addPass(createConvertNVGPUToNVVMPass());
    // nvvm ops that become inline PTX (wgmma.mma_async).
    gpu.addPass(createConvertNVVMToLLVMPass());
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

/// Whether `dir` is a CUDA toolkit gpu-module-to-binary can use: bin/ptxas
/// and nvvm/libdevice/libdevice.10.bc.
static bool isCudaToolkit(StringRef dir) {
  if (dir.empty())
    return false;
  SmallString<256> ptxas(dir), libdevice(dir);
  llvm::sys::path::append(ptxas, "bin", "ptxas");
  llvm::sys::path::append(libdevice, "nvvm", "libdevice", "libdevice.10.bc");
  return llvm::sys::fs::exists(ptxas) && llvm::sys::fs::exists(libdevice);
}

std::string mlir::moe::kernelToolkit(const ChipInfo &chip,
                                     StringRef amdToolkit) {
  if (chip.vendor == GPUVendor::AMD)
    return amdToolkit.str();
  std::vector<std::string> candidates;
  for (const char *var : {"CUDA_HOME", "CUDA_PATH"})
    if (const char *value = std::getenv(var))
      candidates.push_back(value);
  // ptxas on PATH may be the toolkit's own, a symlink to it, or a wrapper
  // script elsewhere (then the folders below find the toolkit).
  if (llvm::ErrorOr<std::string> ptxas =
          llvm::sys::findProgramByName("ptxas")) {
    candidates.push_back(
        llvm::sys::path::parent_path(llvm::sys::path::parent_path(*ptxas))
            .str());
    SmallString<256> real;
    if (!llvm::sys::fs::real_path(*ptxas, real))
      candidates.push_back(
          llvm::sys::path::parent_path(llvm::sys::path::parent_path(real))
              .str());
  }
  candidates.push_back("/usr/local/cuda");
  // Versioned installs (/usr/local/cuda-13.0), newest version first
  // (12.10 after 13.0, before 12.9).
  std::vector<std::pair<llvm::VersionTuple, std::string>> versioned;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it("/usr/local", ec), end;
       !ec && it != end; it.increment(ec)) {
    StringRef name = llvm::sys::path::filename(it->path());
    llvm::VersionTuple version;
    if (name.consume_front("cuda-") && !version.tryParse(name))
      versioned.push_back({version, it->path()});
  }
  llvm::sort(versioned,
             [](const auto &x, const auto &y) { return x.first > y.first; });
  for (auto &entry : versioned)
    candidates.push_back(entry.second);
  for (const std::string &dir : candidates)
    if (isCudaToolkit(dir))
      return dir;
  return "";
}
