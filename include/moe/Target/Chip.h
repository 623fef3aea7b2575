//===- Chip.h - descriptors of the chips moe-mlir targets -------*- C++ -*-===//
//
// One place that says what each target chip has; passes and templates ask it.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TARGET_CHIP_H
#define MOE_TARGET_CHIP_H

#include "mlir/Dialect/AMDGPU/Utils/Chipset.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>

namespace mlir::moe {

/// One matrix-multiply instruction shape: D[m x n] += A[m x k] * B[k x n].
struct MMAShape {
  int64_t m, n, k;
};

enum class Fp8Flavor { None, FNUZ, OCP };

/// Which GPU backend a chip lowers through: ROCDL (AMDGPU) or NVVM.
enum class GPUVendor { AMD, NVIDIA };

/// The instruction family of a chip's 16-row MMAs, which fixes the lane
/// roles (MMALayout) and the k a lane feeds per MMA: MFMA (wave64, CDNA)
/// or mma.sync (warp32, NVIDIA).
enum class MMAFamily { MFMA, MMASync };

/// How a lane copies global memory into LDS asynchronously, which fixes how
/// the copies of a step are waited for (StagedLoads): cp.async (groups,
/// waited by count of groups) or global_load_lds (waited by vmcnt, which
/// counts the wave's vector memory instructions).
enum class AsyncCopyFamily { CpAsync, GlobalLoadLDS };

struct ChipInfo {
  llvm::StringRef name;
  int64_t computeUnits;   ///< CUs (AMD) or SMs (NVIDIA)
  int64_t waveSize;       ///< 64 on CDNA, 32 on NVIDIA
  int64_t ldsBytes;       ///< LDS per CU / shared memory per SM
  double hbmBytesPerSecond;
  double bf16FlopsPerSecond;        ///< dense bf16 MMA peak
  llvm::ArrayRef<MMAShape> bf16MMA; ///< bf16 MMA shapes, preferred first
  Fp8Flavor fp8;
  bool scaledMMA; ///< MX (f8/f6/f4 with E8M0 scales) MMA
  GPUVendor vendor;
  /// Bytes one lane's asynchronous global-to-LDS copy can move, largest
  /// first: cp.async 16/8/4 on sm_90, global_load_lds_dwordx4/_dword on
  /// gfx950, _dword only on gfx942.
  llvm::ArrayRef<int64_t> asyncCopyBytes;
  /// LDS a workgroup may declare statically: 48 KiB of shared memory on
  /// NVIDIA (more needs a dynamic opt-in), the whole LDS on AMD.
  int64_t staticLdsBytes;
  /// Warpgroup MMAs (wgmma): sm_90's kernels are built for sm_90a, the
  /// Hopper-only PTX target that has them.
  bool warpgroupMMA = false;
  MMAFamily mmaFamily = MMAFamily::MFMA;
  AsyncCopyFamily asyncCopy = AsyncCopyFamily::GlobalLoadLDS;
  /// LDS the GEMM's per-lane staged loads may take: all a workgroup may
  /// declare statically on sm_90; half the LDS on AMD, so that two
  /// workgroups share a CU.
  int64_t stagingLdsBytes = 0;
  /// ldmatrix: 8x8 matrices read from shared memory into the mma.sync
  /// operand layout, which the cooperative shared-tile GEMM plans need.
  bool sharedMatrixLoads = false;
  /// Row-dot plans (one output element per lane group, no MMA) pay at
  /// decode: measured on the H200 (bench/results/h200/row-dot); AMD keeps
  /// its MMA plans until measured.
  bool rowDotDecode = false;
  /// The AMDGPU chipset (gfx major, minor, stepping) as upstream's
  /// amdgpu::Chipset parses it; 0.0.0 on NVIDIA.
  amdgpu::Chipset chipset;
};

/// The descriptor of "gfx942", "gfx950" or "sm_90" (AMD names are parsed
/// with amdgpu::Chipset and matched by chipset); null for another name.
const ChipInfo *lookupChip(llvm::StringRef name);

/// "gfx942, gfx950, sm_90".
llvm::StringRef knownChipNames();

} // namespace mlir::moe

#endif // MOE_TARGET_CHIP_H
