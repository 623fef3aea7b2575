//===- AMDGPU.h - code objects of the moe kernels for gfx942/gfx950 -*- C++ -*-//
//
// Compiles kernel templates to AMDGPU code objects and reads their metadata.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TARGET_AMDGPU_H
#define MOE_TARGET_AMDGPU_H

#include "moe/Target/Chip.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace mlir::moe {

/// One compiled kernel: the code object (ELF, amdgcn-amd-amdhsa--<chip>) or
/// its assembly.
struct KernelObject {
  std::string kernel;   ///< gpu.func name
  std::string chip;     ///< gfx942, gfx950
  std::string hsaco;    ///< ELF bytes
  std::string assembly; ///< ISA text
};

/// Builds and compiles one kernel per moe op of `program` (a module after
/// moe-optimize) that has a kernel template (grouped_matmul, activation,
/// combine, rms_norm, add_rms_norm) for `chip`, linking with the ld.lld of
/// `toolkit` (a folder with llvm/bin/ld.lld; no ROCm needed). The other moe
/// ops have no template yet: `skipped` receives their names.
FailureOr<std::vector<KernelObject>>
compileKernels(ModuleOp program, const ChipInfo &chip, StringRef toolkit,
               std::vector<std::string> &skipped);

/// Resource use of one kernel, read from its code object's metadata.
struct KernelStats {
  std::string name;
  int64_t vgprs = 0, agprs = 0, sgprs = 0, vgprSpills = 0, sgprSpills = 0;
  int64_t ldsBytes = 0, scratchBytes = 0, wavefrontSize = 0;
  int64_t wavesPerSIMD = 0; ///< occupancy limited by VGPRs (max 8)
  int64_t mfmaCount = 0;    ///< v_mfma instructions in the assembly
};

/// Reads the amdhsa.kernels metadata note of `hsaco` and counts the MFMA
/// instructions of `assembly`.
FailureOr<KernelStats> readKernelStats(const KernelObject &object,
                                       std::string &error);

} // namespace mlir::moe

#endif // MOE_TARGET_AMDGPU_H
