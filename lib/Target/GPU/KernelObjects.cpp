//===- KernelObjects.cpp - code objects of the kernel templates -----------===//
//
// Kernel template -> ROCDL or NVVM -> gpu-module-to-binary -> code object.
//
//===----------------------------------------------------------------------===//

#include "moe/Target/GPUTarget.h"

#include "moe/Conversion/GPUKernels.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"

using namespace mlir;
using namespace mlir::moe;

/// Lowers the kernel module and serializes it in `format` ("bin" or "isa").
static FailureOr<std::string> serialize(ModuleOp kernels, StringRef gpuModule,
                                        const ChipInfo &chip, StringRef toolkit,
                                        StringRef format) {
  OwningOpRef<ModuleOp> copy(kernels.clone());
  PassManager pm(kernels.getContext());
  addKernelLoweringPasses(pm, chip);
  GpuModuleToBinaryPassOptions binary;
  binary.toolkitPath = toolkit.str();
  binary.compilationTarget = format.str();
  pm.addPass(createGpuModuleToBinaryPass(binary));
  if (failed(pm.run(*copy)))
    return failure();
  auto op = copy->lookupSymbol<gpu::BinaryOp>(gpuModule);
  if (!op || op.getObjects().size() != 1)
    return kernels.emitError() << "no binary was produced for " << gpuModule;
  return cast<gpu::ObjectAttr>(op.getObjects()[0]).getObject().str();
}

FailureOr<std::vector<KernelObject>>
mlir::moe::compileKernels(ModuleOp program, const ChipInfo &chip,
                          StringRef toolkit, const KernelOptions &options,
                          std::vector<std::string> &skipped) {
  MLIRContext *ctx = program.getContext();
  loadKernelDialects(ctx);
  if (failed(prepareForKernels(program, /*keepUnsupported=*/true)))
    return failure();
  // Collectives are runtime calls (not kernels), except the one-shot
  // all_reduce + norm, whose kernel collectKernelOps lists.
  std::vector<KernelObject> objects;
  for (auto &[op, name] : collectKernelOps(program)) {
    OpBuilder b(ctx);
    OwningOpRef<ModuleOp> kernels = ModuleOp::create(op->getLoc());
    (*kernels)->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                        b.getUnitAttr());
    b.setInsertionPointToEnd(kernels->getBody());
    auto module =
        gpu::GPUModuleOp::create(b, op->getLoc(), name + "_module",
                                 b.getArrayAttr({getGPUTargetAttr(ctx, chip)}));
    bool unsupported;
    if (failed(
            buildMoEKernel(b, module, op, chip, name, options, unsupported))) {
      if (!unsupported)
        return failure();
      skipped.push_back(op->getName().getStringRef().str());
      continue;
    }
    // A template bug must not reach the lowering (which may not notice):
    // the built kernels are verified first.
    if (failed(verify(*kernels)))
      return op->emitOpError()
             << "internal: the " << chip.name
             << " kernel template built invalid IR (see the errors above)";
    FailureOr<std::string> binary =
        serialize(*kernels, module.getName(), chip, toolkit, "bin");
    FailureOr<std::string> assembly =
        serialize(*kernels, module.getName(), chip, toolkit, "isa");
    if (failed(binary) || failed(assembly))
      return failure();
    KernelObject object{{name}, chip.name.str(), *binary, *assembly};
    for (auto func : module.getOps<gpu::GPUFuncOp>())
      if (func.getName() != name)
        object.kernels.push_back(func.getName().str());
    objects.push_back(std::move(object));
  }
  return objects;
}
