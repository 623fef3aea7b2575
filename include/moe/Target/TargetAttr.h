//===- TargetAttr.h - gpu.module target attributes of the chips -*- C++ -*-===//
//
// The target attribute that says which chip a gpu.module is compiled for.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TARGET_TARGETATTR_H
#define MOE_TARGET_TARGETATTR_H

#include "moe/Target/Chip.h"

#include "mlir/IR/Attributes.h"

namespace mlir::moe {

/// The gpu.module target attribute of `chip`: #rocdl.target
/// (amdgcn-amd-amdhsa, O3) or #nvvm.target (nvptx64-nvidia-cuda, +ptx80, O3).
Attribute getGPUTargetAttr(MLIRContext *ctx, const ChipInfo &chip);

} // namespace mlir::moe

#endif // MOE_TARGET_TARGETATTR_H
