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

static ChipInfo gfx942() {
  ChipInfo c{"gfx942",        304,      64,
             64 * 1024,       5.3e12,   kGfx942BF16,
             Fp8Flavor::FNUZ, false,    GPUVendor::AMD,
             kGfx942Copies,   64 * 1024};
  c.stagingLdsBytes = c.staticLdsBytes / 2;
  c.chipset = amdgpu::Chipset(9, 4, 2);
  return c;
}

static ChipInfo gfx950() {
  ChipInfo c{"gfx950",       256,       64,
             160 * 1024,     8.0e12,    kGfx950BF16,
             Fp8Flavor::OCP, true,      GPUVendor::AMD,
             kGfx950Copies,  160 * 1024};
  c.stagingLdsBytes = c.staticLdsBytes / 2;
  c.chipset = amdgpu::Chipset(9, 5, 0);
  return c;
}

static ChipInfo sm90() {
  ChipInfo c{"sm_90",        132,      32,
             228 * 1024,     3.35e12,  kSm90BF16,
             Fp8Flavor::OCP, false,    GPUVendor::NVIDIA,
             kSm90Copies,    48 * 1024};
  c.warpgroupMMA = true;
  c.mmaFamily = MMAFamily::MMASync;
  c.asyncCopy = AsyncCopyFamily::CpAsync;
  c.stagingLdsBytes = c.staticLdsBytes;
  c.sharedMatrixLoads = true;
  c.rowDotDecode = true;
  return c;
}

static const ChipInfo kChips[] = {gfx942(), gfx950(), sm90()};

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
