//===- KernelTemplates.cpp - the kernel template of each moe op -----------===//
//
// Picks the kernel template of a moe op.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/GPUKernels.h"

using namespace mlir;
using namespace mlir::moe;

FailureOr<gpu::GPUFuncOp>
mlir::moe::buildMoEKernel(OpBuilder &b, gpu::GPUModuleOp module, Operation *op,
                          const ChipInfo &chip, StringRef name,
                          bool &unsupported) {
  unsupported = false;
  if (auto gemm = dyn_cast<GroupedMatmulOp>(op))
    return buildGroupedMatmulKernel(b, module, gemm, chip, name);
  if (auto gate = dyn_cast<GateOp>(op))
    return buildGateKernel(b, module, gate, chip, name);
  if (auto align = dyn_cast<AlignOp>(op))
    return buildAlignKernel(b, module, align, chip, name);
  if (auto act = dyn_cast<ActivationOp>(op))
    return buildActivationKernel(b, module, act, chip, name);
  if (auto combine = dyn_cast<CombineOp>(op))
    return buildCombineKernel(b, module, combine, chip, name);
  if (isa<RMSNormOp, AddRMSNormOp>(op))
    return buildRMSNormKernel(b, module, op, chip, name);
  unsupported = true;
  return failure();
}
