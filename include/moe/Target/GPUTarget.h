//===- GPUTarget.h - kernel lowering per GPU chip ---------------*- C++ -*-===//
//
// Lowers kernel modules through ROCDL (gfx942, gfx950) or NVVM (sm_90).
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TARGET_GPUTARGET_H
#define MOE_TARGET_GPUTARGET_H

#include "moe/Conversion/GPUKernels.h"
#include "moe/Target/TargetAttr.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include <string>
#include <vector>

namespace mlir::moe {

/// Loads the dialects the kernel templates, prepareForKernels and the
/// kernel lowering create.
void loadKernelDialects(MLIRContext *ctx);

/// Adds the passes that lower every gpu.module (erf as a polynomial, scf,
/// math, gpu ops) to the ROCDL or NVVM dialect of `chip`, then reconciles
/// casts.
void addKernelLoweringPasses(OpPassManager &pm, const ChipInfo &chip);

/// The folder gpu-module-to-binary takes as `toolkit` for `chip`: for AMD,
/// `amdToolkit` (with llvm/bin/ld.lld); for NVIDIA, the first CUDA folder
/// that holds both bin/ptxas and nvvm/libdevice/libdevice.10.bc among
/// $CUDA_HOME, $CUDA_PATH, the folder of ptxas on PATH, /usr/local/cuda and
/// /usr/local/cuda-*, or "" when there is none.
std::string kernelToolkit(const ChipInfo &chip, StringRef amdToolkit);

/// The compiled kernels of one moe op: a code object (an
/// amdgcn-amd-amdhsa--<chip> ELF or a cubin) and its assembly (ISA or PTX).
struct KernelObject {
  /// Every kernel (gpu.func) in the code object: the op's kernel first,
  /// then its other kernels (the chunked align path).
  std::vector<std::string> kernels;
  std::string chip;     ///< gfx942, gfx950, sm_90
  std::string binary;   ///< code object bytes
  std::string assembly; ///< ISA / PTX text
};

/// Builds and compiles one kernel per moe op of `program` (a module after
/// moe-optimize, which this rewrites with prepareForKernels) that has a
/// kernel template on `chip`, with gpu-module-to-binary
/// and `toolkit` (kernelToolkit). Collectives are runtime calls, not kernels;
/// `skipped` receives the names of those with no GPU lowering yet
/// (all_to_all over several ranks) and of ops with no template.
FailureOr<std::vector<KernelObject>>
compileKernels(ModuleOp program, const ChipInfo &chip, StringRef toolkit,
               const KernelOptions &options, std::vector<std::string> &skipped);

} // namespace mlir::moe

#endif // MOE_TARGET_GPUTARGET_H
