//===- Pipelines.h - named pipelines of moe-mlir ----------------*- C++ -*-===//
//
// Declares the pipelines that moe-compile runs and moe-opt exposes.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_PIPELINES_PIPELINES_H
#define MOE_PIPELINES_PIPELINES_H

#include "moe/Conversion/GPUKernels.h"
#include "moe/Target/Chip.h"

#include "mlir/Pass/PassManager.h"

#include <string>

namespace mlir::moe {

/// moe ops and tensors -> the LLVM dialect for the host CPU: the reference
/// lowering, one-shot bufferization with identity-layout function
/// boundaries, ownership-based deallocation, loops, and LLVM conversion.
/// Public functions get `llvm.emit_c_interface`.
void buildCPUReferencePipeline(OpPassManager &pm);

/// Elementwise tensor ops to linalg, then one-shot bufferization of whole
/// functions with identity-layout boundaries (what both host pipelines use).
void addTensorBufferizationPasses(OpPassManager &pm);

/// moe ops and tensors -> a host program for `chip` in the LLVM dialect:
/// each moe op launches its kernel template (convert-moe-to-gpu-launch,
/// which expands moe.experts where moe-optimize has not), the rest of the
/// program becomes simple parallel-loop kernels, buffers are device memory
/// (gpu.alloc), launches go on one stream per call (gpu-async-region), and the
/// kernels are compiled with gpu-module-to-binary and `toolkit` (kernelToolkit)
/// and embedded. The host code calls the mgpu* functions that the runtime's
/// backends define.
void buildGPUHostPipeline(OpPassManager &pm, const ChipInfo &chip,
                          StringRef toolkit, const KernelOptions &options);

/// The start of buildGPUHostPipeline: the GEMMs' kernel plans
/// (moe-plan-kernels), then token buckets whose kernels came out equal
/// merged (moe-dispatch-token-buckets). moe-compile runs it before it
/// reads the manifest.
void addKernelPlanningPasses(OpPassManager &pm, const ChipInfo &chip,
                             const KernelOptions &options);

/// The rest of buildGPUHostPipeline, after addKernelPlanningPasses.
void addGPUHostLoweringPasses(OpPassManager &pm, const ChipInfo &chip,
                              StringRef toolkit, const KernelOptions &options);

/// The start of addGPUHostLoweringPasses, up to kernels in the ROCDL or
/// NVVM dialect and host code with gpu.launch_func: everything but
/// gpu-module-to-binary (ptxas, ld.lld) and the host's LLVM conversion.
void addGPUKernelLoweringPasses(OpPassManager &pm, const ChipInfo &chip,
                                const KernelOptions &options);

/// The start of addGPUKernelLoweringPasses: moe ops launched as kernels,
/// bufferized, linalg code outlined into kernels of the chip's target; host
/// buffers are still memref.alloc (moe-compile --emit=iree reads the host
/// functions here).
void addGPUOutliningPasses(OpPassManager &pm, const ChipInfo &chip,
                           const KernelOptions &options);

/// The kernels of an outlined program (addGPUOutliningPasses) with IREE's
/// argument list (moe-use-iree-kernel-abi), lowered and serialized by
/// gpu-module-to-binary into one code object per gpu.module (gpu.binary).
void addIREEKernelPasses(OpPassManager &pm, const ChipInfo &chip,
                         StringRef toolkit);

/// Options of `moe-optimize`.
struct OptimizePipelineOptions {
  std::string target = "gfx942"; ///< tile target, or "cpu" (no tiles)
  /// Expected T for the tile cost model; 0, or with maxTokens the least
  /// T: token buckets for T in [max(tokens, 1), maxTokens] (GPU targets).
  int64_t tokens = 0;
  int64_t epSize = 1;    ///< expert-parallel ranks
  int64_t maxTokens = 0; ///< largest T of the token buckets (0: no bound)
  bool routeOrder = true; ///< decode experts may run in route order
  /// --moe-skip-inter-stage-quant's mode: auto (the target's cost model),
  /// always or never.
  std::string skipInterStageQuant = "auto";
  /// gfx942: OCP fp8 weights become FNUZ (--moe-legalize-fp8 ocp-to-fnuz)
  /// instead of an error.
  bool ocpToFnuz = false;
};

/// The graph optimization pipeline: fp8 flavors checked (GPU targets),
/// token buckets (GPU targets without one expected T), select tiles (GPU
/// targets), prune remote experts (ep-size > 1), expand experts, fuse SwiGLU
/// into GEMM1, skip the quantization between the GEMMs where the cost model
/// says so, fuse row quantization into GEMM1, fuse the combine into a
/// route-order GEMM2, refine each GEMM's tile, defer all_reduce, then
/// canonicalize and CSE.
void buildOptimizePipeline(OpPassManager &pm,
                           const OptimizePipelineOptions &options);

/// Registers `moe-optimize`.
void registerOptimizePipeline();

/// Registers `moe-gpu-pipeline{target toolkit gemm-loads tokens}`: what
/// moe-compile runs for a GPU target after moe-optimize.
void registerGPUHostPipeline();

/// Registers `moe-cpu-reference-pipeline`, `moe-optimize` and
/// `moe-gpu-pipeline` for moe-opt.
void registerMoEPipelines();

/// Gives gpu.launch_func the memory effects of its kernel (reads and writes
/// of every buffer operand), which upstream's buffer deallocation needs.
void registerLaunchFuncMemoryEffects(DialectRegistry &registry);

} // namespace mlir::moe

#endif // MOE_PIPELINES_PIPELINES_H
