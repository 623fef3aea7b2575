//===- CPUPipeline.cpp - moe ops to LLVM for the host CPU -----------------===//
//
// Builds the pipeline behind moe-compile --target=cpu.
//
//===----------------------------------------------------------------------===//

#include "moe/Pipelines/Pipelines.h"

#include "moe/Conversion/Passes.h"
#include "moe/Dialect/MoE/MoE.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::moe::addTensorBufferizationPasses(OpPassManager &pm) {
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
}

void mlir::moe::buildCPUReferencePipeline(OpPassManager &pm) {
  pm.addPass(createConvertTMTensorToLoopsPass());
  pm.addPass(createConvertMoEToCPUPass());
  addTensorBufferizationPasses(pm);
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  pm.addPass(createConvertBufferizationToMemRefPass());
  pm.addNestedPass<func::FuncOp>(createMoEStridedCopiesToLoopsPass());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  // bf16 arithmetic (the residual add) in f32, rounded once, like the GPU
  // kernels; and every f32 -> bf16 rounding as integer ops. Otherwise LLVM
  // promotes bf16 arithmetic itself and calls __truncsfbf2, which hosts
  // without native bf16 conversion (no AVX512-BF16) do not provide.
  // Model IR (torch-mlir's bf16 sigmoid, exp) has bf16 math ops too.
  pm.addPass(math::createMathExtendToSupportedTypes());
  arith::ArithEmulateUnsupportedFloatsOptions emulate;
  emulate.sourceTypeStrs = {"bf16"};
  emulate.targetTypeStr = "f32";
  pm.addPass(arith::createArithEmulateUnsupportedFloats(emulate));
  // fp8, fp4 and E8M0 conversions (quantized tensors) as integer ops: LLVM
  // has no such float types. Ours round fp4 to nearest even; upstream's
  // arith-expand then takes the E8M0 truncations.
  pm.addPass(createMoEExpandSmallFloatConversionsPass());
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = true;
  expand.includeF8E8M0 = true;
  pm.addPass(arith::createArithExpandOpsPass(expand));
  // exp and rsqrt become LLVM intrinsics; erf (GELU) becomes a libm call.
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createMoEPrepareHostFunctionsPass());
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void mlir::moe::registerMoEPipelines() {
  registerOptimizePipeline();
  registerGPUHostPipeline();
  PassPipelineRegistration<>(
      "moe-cpu-reference-pipeline",
      "Lower moe ops and tensors to the LLVM dialect for the host CPU (the "
      "pipeline of moe-compile --target=cpu)",
      [](OpPassManager &pm) { buildCPUReferencePipeline(pm); });
}
