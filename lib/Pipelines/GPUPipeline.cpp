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
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::moe;

/// The allocation a buffer is a view of (or the buffer itself).
static Value rootBuffer(Value v) {
  while (auto view = v.getDefiningOp<ViewLikeOpInterface>())
    v = view.getViewSource();
  return v;
}

namespace {
/// Host buffers become device buffers: memref.alloc / copy in host
/// functions become gpu.alloc / memcpy (arguments and results of the entry
/// points are device memory, see the host ABI in the README), and every
/// allocation that is not returned is freed (gpu.dealloc) before the
/// return. Host functions are straight-line code here (all loops are in
/// kernels), so freeing at the return is exact; the stream orders it after
/// the last kernel that reads the buffer.
struct UseDeviceBuffersPass
    : PassWrapper<UseDeviceBuffersPass, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(UseDeviceBuffersPass)
  StringRef getArgument() const final { return "moe-use-device-buffers"; }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<gpu::GPUDialect>();
  }
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    if (!func.getBody().hasOneBlock()) {
      func.emitError() << "expected straight-line host code for a GPU "
                          "target (one block), got "
                       << func.getBody().getBlocks().size() << " blocks";
      return signalPassFailure();
    }
    // What is left on the host must not touch buffer contents: they are in
    // device memory (host globals, such as the run-time check state, are
    // not).
    WalkResult hostAccess = func.walk([&](Operation *op) {
      if (!isa<memref::LoadOp, memref::StoreOp, vector::LoadOp, vector::StoreOp,
               affine::AffineLoadOp, affine::AffineStoreOp>(op) ||
          op->getParentOfType<gpu::LaunchOp>())
        return WalkResult::advance();
      auto buffer = llvm::find_if(op->getOperands(), [](Value v) {
        return isa<MemRefType>(v.getType());
      });
      if (buffer != op->operand_end() &&
          rootBuffer(*buffer).getDefiningOp<memref::GetGlobalOp>())
        return WalkResult::advance();
      op->emitOpError() << "reads or writes a buffer on the host; expected "
                           "every access to run in a kernel for a GPU target";
      return WalkResult::interrupt();
    });
    if (hostAccess.wasInterrupted())
      return signalPassFailure();
    SmallVector<Operation *> ops;
    func.walk([&](Operation *op) {
      if (isa<memref::AllocOp, memref::CopyOp>(op))
        ops.push_back(op);
    });
    Operation *ret = func.getBody().front().getTerminator();
    llvm::SmallPtrSet<Value, 8> returned;
    for (Value v : ret->getOperands())
      returned.insert(rootBuffer(v));
    for (Operation *op : ops) {
      OpBuilder b(op);
      Location loc = op->getLoc();
      if (op->getBlock() != &func.getBody().front()) {
        op->emitOpError() << "is inside host control flow; expected "
                             "straight-line host code for a GPU target";
        return signalPassFailure();
      }
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        auto device = gpu::AllocOp::create(
            b, loc, alloc.getType(), /*asyncToken=*/Type(), ValueRange{},
            alloc.getDynamicSizes(), alloc.getSymbolOperands());
        if (!returned.count(alloc.getResult())) {
          b.setInsertionPoint(ret);
          gpu::DeallocOp::create(b, loc, Type(), ValueRange{},
                                 device.getMemref());
        }
        alloc.replaceAllUsesWith(device.getMemref());
      } else {
        auto copy = cast<memref::CopyOp>(op);
        gpu::MemcpyOp::create(b, loc, Type(), ValueRange{}, copy.getTarget(),
                              copy.getSource());
      }
      op->erase();
    }
  }
};

/// Gives gpu.modules without a target (the kernels outlined from linalg
/// loops) the chip's target attribute.
struct AttachKernelTargetPass
    : PassWrapper<AttachKernelTargetPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(AttachKernelTargetPass)
  explicit AttachKernelTargetPass(const ChipInfo &chip) : chip(chip) {}
  StringRef getArgument() const final { return "moe-attach-kernel-target"; }
  void runOnOperation() override {
    Attribute target = getGPUTargetAttr(&getContext(), chip);
    for (auto module : getOperation().getOps<gpu::GPUModuleOp>())
      if (!module.getTargetsAttr() || module.getTargetsAttr().empty())
        module.setTargetsAttr(ArrayAttr::get(&getContext(), {target}));
  }
  const ChipInfo &chip;
};
} // namespace

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

void mlir::moe::addGPUHostLoweringPasses(OpPassManager &pm,
                                         const ChipInfo &chip,
                                         StringRef toolkit,
                                         const KernelOptions &options) {
  addGPUKernelLoweringPasses(pm, chip, options);
  GpuModuleToBinaryPassOptions binary;
  binary.toolkitPath = toolkit.str();
  pm.addPass(createGpuModuleToBinaryPass(binary));
  pm.addPass(createPrepareHostFunctionsPass());
  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void mlir::moe::addGPUKernelLoweringPasses(OpPassManager &pm,
                                           const ChipInfo &chip,
                                           const KernelOptions &options) {
  ConvertMoEToGPULaunchPassOptions launch;
  launch.target = chip.name.str();
  launch.gemmLoads = options.gemmLoads;
  launch.routeChecks = options.routeChecks;
  pm.addPass(createConvertMoEToGPULaunchPass(launch));
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
  pm.addPass(std::make_unique<AttachKernelTargetPass>(chip));
  pm.addNestedPass<func::FuncOp>(std::make_unique<UseDeviceBuffersPass>());
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  addKernelLoweringPasses(pm, chip);
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
        buildGPUHostPipeline(pm, *chip, kernelToolkit(*chip, o.toolkit),
                             options);
      });
}
