//===- AMDGPU.h - resource use of gfx942/gfx950 code objects ----*- C++ -*-===//
//
// Reads the resource use of AMDGPU code objects (GPUTarget.h compiles them).
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TARGET_AMDGPU_H
#define MOE_TARGET_AMDGPU_H

#include "moe/Target/GPUTarget.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace mlir::moe {

/// Resource use of one kernel, read from its code object's metadata.
struct KernelStats {
  std::string name;
  int64_t vgprs = 0, agprs = 0, sgprs = 0, vgprSpills = 0, sgprSpills = 0;
  int64_t ldsBytes = 0, scratchBytes = 0, wavefrontSize = 0;
  int64_t wavesPerSIMD = 0; ///< occupancy limited by VGPRs and LDS (max 8)
  /// Workgroups a CU holds at once (VGPRs of its 4 SIMDs and its LDS).
  int64_t workgroupsPerCU = 0;
  int64_t mfmaCount = 0;    ///< v_mfma instructions in the assembly
  /// The MFMA shapes in the assembly, MxNxK, in order of first use and
  /// comma-separated ("32x32x8"); empty without MFMAs.
  std::string mfmaShapes;
};

/// Reads the amdhsa.kernels metadata note of `object.binary` for `kernel`
/// (one of object.kernels) and counts the MFMA instructions of its function
/// in `object.assembly`, with their shapes.
FailureOr<KernelStats> readKernelStats(const KernelObject &object,
                                       StringRef kernel, std::string &error);

} // namespace mlir::moe

#endif // MOE_TARGET_AMDGPU_H
