//===- GPUPipeline.cpp - moe programs to a GPU host library ---------------===//
//
// Builds the pipeline behind moe-compile --target=gfx942|gfx950|sm_90 -o x.so.
//
//===----------------------------------------------------------------------===//

#include "moe/Pipelines/Pipelines.h"

#include "moe/Conversion/Passes.h"
#include "moe/Passes/Passes.h"
#include "moe/Target/GPUTarget.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::moe;

void mlir::moe::addKernelPlanningPasses(OpPassManager &pm, const ChipInfo &chip,
                                        const KernelOptions &options) {
  MoEPlanKernelsPassOptions plans;
  plans.target = chip.name.str();
  plans.gemmLoads = options.gemmLoads;
  plans.tokens = options.tokens;
  pm.addPass(createMoEPlanKernelsPass(plans));
  pm.addPass(createMoEDispatchTokenBucketsPass());
}

void mlir::moe::buildGPUHostPipeline(OpPassManager &pm, const ChipInfo &chip,
                                     StringRef toolkit,
                                     const KernelOptions &options) {
  addKernelPlanningPasses(pm, chip, options);
  addGPUHostLoweringPasses(pm, chip, toolkit, options);
}

/// gpu-module-to-binary with `toolkit`; `format` "bin", or "" for the
/// pass's default (fatbin: what the host launch embeds).
static void addModuleToBinaryPass(OpPassManager &pm, StringRef toolkit,
                                  StringRef format) {
  GpuModuleToBinaryPassOptions binary;
  binary.toolkitPath = toolkit.str();
  if (!format.empty())
    binary.compilationTarget = format.str();
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

/// After outlining (and the host's buffer passes): view metadata, affine
/// and scf as plain ops, then the kernel modules to ROCDL or NVVM.
static void addOutlinedLoweringPasses(OpPassManager &pm, const ChipInfo &chip) {
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  addKernelLoweringPasses(pm, chip);
}

void mlir::moe::addGPUHostLoweringPasses(OpPassManager &pm,
                                         const ChipInfo &chip,
                                         StringRef toolkit,
                                         const KernelOptions &options) {
  addGPUKernelLoweringPasses(pm, chip, options);
  addModuleToBinaryPass(pm, toolkit, /*format=*/"");
  pm.addPass(createMoEPrepareHostFunctionsPass());
  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void mlir::moe::addGPUOutliningPasses(OpPassManager &pm, const ChipInfo &chip,
                                      const KernelOptions &options) {
  ConvertMoEToGPULaunchPassOptions launch;
  launch.target = chip.name.str();
  launch.gemmLoads = options.gemmLoads;
  launch.routeChecks = options.routeChecks;
  pm.addPass(createConvertMoEToGPULaunchPass(launch));
  pm.addPass(createMoEReadOnlyArgumentsPass());
  addTensorBufferizationPasses(pm);
  pm.addPass(createConvertBufferizationToMemRefPass());
  // The rest of the program (router GEMMs, residual adds, fills) runs as
  // simple kernels: parallel loops, rows on workgroups and 64 columns per
  // workgroup on threads.
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(
      createParallelLoopTilingPass({1, 64}, /*noMinMaxBounds=*/true));
  pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createConvertParallelLoopToGpuPass());
  pm.addPass(createGpuKernelOutliningPass());
  MoEAttachKernelTargetPassOptions attach;
  attach.target = chip.name.str();
  pm.addPass(createMoEAttachKernelTargetPass(attach));
}

void mlir::moe::addGPUKernelLoweringPasses(OpPassManager &pm,
                                           const ChipInfo &chip,
                                           const KernelOptions &options) {
  addGPUOutliningPasses(pm, chip, options);
  pm.addNestedPass<func::FuncOp>(createMoEDeallocateHostBuffersPass());
  pm.addNestedPass<func::FuncOp>(createMoEUseDeviceBuffersPass());
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());
  pm.addPass(createCanonicalizerPass());
  if (options.ireeKernelABI)
    pm.addPass(createMoEUseIREEKernelABIPass());
  addOutlinedLoweringPasses(pm, chip);
}

void mlir::moe::addIREEKernelPasses(OpPassManager &pm, const ChipInfo &chip,
                                    StringRef toolkit) {
  pm.addPass(createMoEUseIREEKernelABIPass());
  addOutlinedLoweringPasses(pm, chip);
  addModuleToBinaryPass(pm, toolkit, "bin");
}

namespace {
struct GPUPipelineOptions : public PassPipelineOptions<GPUPipelineOptions> {
  Option<std::string> target{
      *this, "target", llvm::cl::desc("GPU chip: gfx942, gfx950 or sm_90"),
      llvm::cl::init("sm_90")};
  Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("Folder with llvm/bin/ld.lld for AMDGPU chips (the CUDA "
                     "toolkit is found as moe-compile finds it)"),
      llvm::cl::init("")};
  Option<GemmLoads> gemmLoads{
      *this, "gemm-loads",
      llvm::cl::desc("How the GEMMs' k loop loads (where a GEMM has no plan)"),
      gemmLoadsValues(), llvm::cl::init(GemmLoads::Auto)};
  Option<int64_t> tokens{
      *this, "tokens",
      llvm::cl::desc("Expected tokens per call: the GEMM plans measured at "
                     "this T (0: the model's)"),
      llvm::cl::init(0)};
  Option<bool> routeChecks{
      *this, "route-checks",
      llvm::cl::desc("Whether the align kernels report route ids outside the "
                     "experts (false: dropped without a report)"),
      llvm::cl::init(true)};
  Option<std::string> kernelABI{
      *this, "kernel-abi",
      llvm::cl::desc("How kernels take their arguments: memref (descriptors) "
                     "or iree (bare pointers, then i32 constants)"),
      llvm::cl::init("memref")};
};
} // namespace

void mlir::moe::registerGPUHostPipeline() {
  PassPipelineRegistration<GPUPipelineOptions>(
      "moe-gpu-pipeline",
      "The GPU host pipeline of moe-compile --target=gfx942|gfx950|sm_90 "
      "(after moe-optimize): kernels planned, built, compiled and embedded, "
      "host code lowered to LLVM",
      [](OpPassManager &pm, const GPUPipelineOptions &o) {
        const ChipInfo *chip = lookupChip(o.target);
        if (!chip) {
          // moe-plan-kernels reports the unknown chip (with the known ones).
          MoEPlanKernelsPassOptions plans;
          plans.target = o.target;
          pm.addPass(createMoEPlanKernelsPass(plans));
          return;
        }
        KernelOptions options;
        options.gemmLoads = o.gemmLoads;
        options.tokens = o.tokens;
        options.routeChecks = o.routeChecks;
        options.ireeKernelABI = o.kernelABI == "iree";
        buildGPUHostPipeline(pm, *chip, kernelToolkit(*chip, o.toolkit),
                             options);
      });
}
