//===- AttachKernelTarget.cpp - targets for outlined kernel modules -------===//
//
// moe-attach-kernel-target: gpu.modules without a target get the chip's.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/Passes.h"
#include "moe/Target/GPUTarget.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOEATTACHKERNELTARGETPASS
#include "moe/Conversion/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

namespace {
struct MoEAttachKernelTargetPass
    : moe::impl::MoEAttachKernelTargetPassBase<MoEAttachKernelTargetPass> {
  using Base::Base;
  void runOnOperation() override {
    const ChipInfo *chip = lookupChip(target);
    if (!chip) {
      getOperation().emitError()
          << "moe-attach-kernel-target: expected a target among "
          << knownChipNames() << ", got '" << target << "'";
      return signalPassFailure();
    }
    Attribute attr = getGPUTargetAttr(&getContext(), *chip);
    for (auto module : getOperation().getOps<gpu::GPUModuleOp>())
      if (!module.getTargetsAttr() || module.getTargetsAttr().empty())
        module.setTargetsAttr(ArrayAttr::get(&getContext(), {attr}));
  }
};
} // namespace
