//===- TargetAttr.cpp - gpu.module target attributes of the chips ---------===//
//
// Maps a chip descriptor to its ROCDL or NVVM target attribute.
//
//===----------------------------------------------------------------------===//

#include "moe/Target/TargetAttr.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/LLVMIR/ROCDLDialect.h"

using namespace mlir;
using namespace mlir::moe;

Attribute mlir::moe::getGPUTargetAttr(MLIRContext *ctx, const ChipInfo &chip) {
  if (chip.vendor == GPUVendor::NVIDIA) {
    // wgmma is in sm_90a only (the "a" target runs on sm_90 devices alone);
    // PTX ISA 8.4 has the fp8 mma.sync of the fp8 mma_row_dot plans.
    std::string name = chip.name.str() + (chip.warpgroupMMA ? "a" : "");
    return NVVM::NVVMTargetAttr::get(ctx, /*optLevel=*/3, "nvptx64-nvidia-cuda",
                                     name, "+ptx84");
  }
  return ROCDL::ROCDLTargetAttr::get(ctx, /*optLevel=*/3, "amdgcn-amd-amdhsa",
                                     chip.name);
}
