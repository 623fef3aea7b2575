//===- Chips.cpp - descriptors of the chips moe-mlir targets --------------===//
//
// gfx942 (MI300X), gfx950 (MI355X) and sm_90 (H100/H200) as DESIGN.md lists them.
//
//===----------------------------------------------------------------------===//

#include "moe/Target/Chip.h"

using namespace mlir;
using namespace mlir::moe;

// bf16 MMA shapes, preferred first (REFERENCE.md, checked against
// convert-amdgpu-to-rocdl): gfx942 has the 4-wide bf16 MFMA forms only,
// gfx950 adds the 8-wide ones; sm_90's mma.sync is m16n8k16.
static const MMAShape kGfx942BF16[] = {{16, 16, 16}, {32, 32, 8}};
static const MMAShape kGfx950BF16[] = {{16, 16, 32}, {32, 32, 16},
                                       {16, 16, 16}, {32, 32, 8}};
static const MMAShape kSm90BF16[] = {{16, 8, 16}};

// Asynchronous copy sizes a lane can issue, largest first.
static const int64_t kGfx942Copies[] = {4};
static const int64_t kGfx950Copies[] = {16, 4};
static const int64_t kSm90Copies[] = {16, 8, 4};

/// A CDNA chip: MFMA, global_load_lds staging in half the LDS (two
/// workgroups per CU), no ldmatrix.
static ChipInfo cdnaChip(llvm::StringRef name, amdgpu::Chipset chipset,
                         int64_t computeUnits, int64_t ldsBytes,
                         double hbmBytesPerSecond, double bf16FlopsPerSecond,
                         llvm::ArrayRef<MMAShape> bf16MMA, Fp8Flavor fp8,
                         bool scaledMMA, llvm::ArrayRef<int64_t> copies) {
  ChipInfo c{name,
             computeUnits,
             64,
             ldsBytes,
             hbmBytesPerSecond,
             bf16FlopsPerSecond,
             bf16MMA,
             fp8,
             scaledMMA,
             GPUVendor::AMD,
             copies,
             ldsBytes};
  c.stagingLdsBytes = ldsBytes / 2;
  c.chipset = chipset;
  return c;
}

static ChipInfo sm90() {
  ChipInfo c{"sm_90",     132,
             32,          228 * 1024,
             3.35e12,     989e12,
             kSm90BF16,   Fp8Flavor::OCP,
             false,       GPUVendor::NVIDIA,
             kSm90Copies, 48 * 1024};
  c.warpgroupMMA = true;
  c.mmaFamily = MMAFamily::MMASync;
  c.asyncCopy = AsyncCopyFamily::CpAsync;
  c.stagingLdsBytes = c.staticLdsBytes;
  c.sharedMatrixLoads = true;
  c.rowDotDecode = true;
  return c;
}

static const ChipInfo kChips[] = {
    cdnaChip("gfx942", amdgpu::Chipset(9, 4, 2), 304, 64 * 1024, 5.3e12,
             1307e12, kGfx942BF16, Fp8Flavor::FNUZ, /*scaledMMA=*/false,
             kGfx942Copies),
    cdnaChip("gfx950", amdgpu::Chipset(9, 5, 0), 256, 160 * 1024, 8.0e12,
             2.5e15, kGfx950BF16, Fp8Flavor::OCP, /*scaledMMA=*/true,
             kGfx950Copies),
    sm90()};

const ChipInfo *mlir::moe::lookupChip(llvm::StringRef name) {
  if (name.starts_with("gfx")) {
    FailureOr<amdgpu::Chipset> chipset = amdgpu::Chipset::parse(name);
    if (failed(chipset))
      return nullptr;
    for (const ChipInfo &chip : kChips)
      if (chip.vendor == GPUVendor::AMD && chip.chipset == *chipset)
        return &chip;
    return nullptr;
  }
  for (const ChipInfo &chip : kChips)
    if (chip.name == name)
      return &chip;
  return nullptr;
}

llvm::StringRef mlir::moe::knownChipNames() { return "gfx942, gfx950, sm_90"; }
