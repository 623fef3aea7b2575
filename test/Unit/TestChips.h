//===- TestChips.h - chip descriptors for the unit tests --------*- C++ -*-===//
//
// Looks up a chip descriptor by name for a test, failing the test if absent.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TEST_UNIT_TESTCHIPS_H
#define MOE_TEST_UNIT_TESTCHIPS_H

#include "moe/Target/Chip.h"

#include <gtest/gtest.h>

namespace mlir::moe::test {

/// The descriptor of `name` ("gfx942", "gfx950", "sm_90").
inline const ChipInfo &chip(llvm::StringRef name) {
  const ChipInfo *info = lookupChip(name);
  EXPECT_NE(info, nullptr) << name.str();
  return *info;
}

} // namespace mlir::moe::test

#endif // MOE_TEST_UNIT_TESTCHIPS_H
