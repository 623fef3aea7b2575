//===- KernelObjects.cpp - AMDGPU code objects of the kernel templates ----===//
//
// Kernel template -> ROCDL -> gpu-module-to-binary -> code object and ISA.
//
//===----------------------------------------------------------------------===//

#include "moe/Target/AMDGPU.h"

#include "moe/Conversion/GPUKernels.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/AMDGPU/IR/AMDGPUDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/ROCDLDialect.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::moe;

/// Lowers the kernel module and serializes it in `format` ("bin" or "isa").
static FailureOr<std::string> serialize(ModuleOp kernels, StringRef gpuModule,
                                        const ChipInfo &chip,
                                        StringRef toolkit, StringRef format) {
  OwningOpRef<ModuleOp> copy(kernels.clone());
  // erf (GELU) becomes a polynomial and exp an LLVM intrinsic (below): the
  // kernels call no device library.
  RewritePatternSet erf(kernels.getContext());
  populatePolynomialApproximateErfPattern(erf);
  if (failed(applyPatternsGreedily(*copy, std::move(erf))))
    return failure();
  PassManager pm(kernels.getContext());
  OpPassManager &gpu = pm.nest<gpu::GPUModuleOp>();
  gpu.addPass(createSCFToControlFlowPass());
  gpu.addPass(createConvertMathToLLVMPass());
  ConvertGpuOpsToROCDLOpsOptions rocdl;
  rocdl.chipset = chip.name.str();
  rocdl.indexBitwidth = 64;
  gpu.addPass(createConvertGpuOpsToROCDLOps(rocdl));
  pm.addPass(createReconcileUnrealizedCastsPass());
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

/// Builds the kernel of `op` into `module`, or returns failure() with
/// `unsupported` set when no template exists for it yet.
static FailureOr<gpu::GPUFuncOp> buildKernel(OpBuilder &b,
                                             gpu::GPUModuleOp module,
                                             Operation *op,
                                             const ChipInfo &chip,
                                             StringRef name,
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

FailureOr<std::vector<KernelObject>>
mlir::moe::compileKernels(ModuleOp program, const ChipInfo &chip,
                          StringRef toolkit,
                          std::vector<std::string> &skipped) {
  MLIRContext *ctx = program.getContext();
  ctx->loadDialect<amdgpu::AMDGPUDialect, arith::ArithDialect,
                   gpu::GPUDialect, math::MathDialect, memref::MemRefDialect,
                   ROCDL::ROCDLDialect, scf::SCFDialect,
                   vector::VectorDialect>();
  SmallVector<Operation *> ops;
  program.walk([&](Operation *op) {
    if (isa<MoEDialect>(op->getDialect()))
      ops.push_back(op);
  });
  std::vector<KernelObject> objects;
  for (auto [index, op] : llvm::enumerate(ops)) {
    auto func = op->getParentOfType<FunctionOpInterface>();
    std::string name = (func ? func.getName().str() : std::string("kernel")) +
                       "_" + op->getName().stripDialect().str() + "_" +
                       std::to_string(index);
    OpBuilder b(ctx);
    OwningOpRef<ModuleOp> kernels = ModuleOp::create(op->getLoc());
    (*kernels)->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                        b.getUnitAttr());
    b.setInsertionPointToEnd(kernels->getBody());
    auto target = ROCDL::ROCDLTargetAttr::get(ctx, /*optLevel=*/3,
                                              "amdgcn-amd-amdhsa", chip.name);
    auto module = gpu::GPUModuleOp::create(b, op->getLoc(), name + "_module",
                                           b.getArrayAttr({target}));
    bool unsupported;
    if (failed(buildKernel(b, module, op, chip, name, unsupported))) {
      if (!unsupported)
        return failure();
      skipped.push_back(op->getName().getStringRef().str());
      continue;
    }
    FailureOr<std::string> hsaco =
        serialize(*kernels, module.getName(), chip, toolkit, "bin");
    FailureOr<std::string> assembly =
        serialize(*kernels, module.getName(), chip, toolkit, "isa");
    if (failed(hsaco) || failed(assembly))
      return failure();
    objects.push_back({name, chip.name.str(), *hsaco, *assembly});
  }
  return objects;
}
