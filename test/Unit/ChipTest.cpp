//===- ChipTest.cpp - the chip table against upstream's chipset facts -----===//
//
// AMD chips are found by their amdgpu::Chipset, and their table entries
// agree with what upstream derives from the chipset.
//
//===----------------------------------------------------------------------===//

#include "moe/Target/Chip.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::moe;

namespace {

TEST(ChipTest, AmdNamesAreParsedAsChipsets) {
  const ChipInfo *gfx942 = lookupChip("gfx942");
  ASSERT_NE(gfx942, nullptr);
  EXPECT_EQ(gfx942->chipset, amdgpu::Chipset(9, 4, 2));
  const ChipInfo *gfx950 = lookupChip("gfx950");
  ASSERT_NE(gfx950, nullptr);
  EXPECT_EQ(gfx950->chipset, amdgpu::Chipset(9, 5, 0));
  // Chipsets the table has no entry for, and names that are no chipset.
  EXPECT_EQ(lookupChip("gfx940"), nullptr);
  EXPECT_EQ(lookupChip("gfx1100"), nullptr);
  EXPECT_EQ(lookupChip("gfx9"), nullptr);
  EXPECT_EQ(lookupChip("gfx94z"), nullptr);
  EXPECT_NE(lookupChip("sm_90"), nullptr);
  EXPECT_EQ(lookupChip("sm_80"), nullptr);
}

TEST(ChipTest, AmdEntriesAgreeWithUpstreamChipsetFacts) {
  for (StringRef name : {"gfx942", "gfx950"}) {
    const ChipInfo *chip = lookupChip(name);
    ASSERT_NE(chip, nullptr);
    EXPECT_EQ(chip->vendor, GPUVendor::AMD);
    EXPECT_EQ(chip->fp8 == Fp8Flavor::OCP, amdgpu::hasOcpFp8(chip->chipset))
        << name.str();
    EXPECT_EQ(chip->mmaFamily, MMAFamily::MFMA);
    EXPECT_EQ(chip->asyncCopy, AsyncCopyFamily::GlobalLoadLDS);
  }
}

} // namespace
