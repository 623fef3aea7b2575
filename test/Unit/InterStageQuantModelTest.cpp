//===- InterStageQuantModelTest.cpp - the inter-stage quantization model --===//
//
// Checks mmaRateOverBF16 and interStageQuantCost against the formulas they
// state, and the decisions they imply on each chip.
//
//===----------------------------------------------------------------------===//

#include "moe/Target/InterStageQuantModel.h"
#include "TestChips.h"

#include <gtest/gtest.h>

using namespace mlir::moe;
using mlir::moe::test::chip;

namespace {

constexpr OperandFormat kWide = OperandFormat::Wide;
constexpr OperandFormat kFnuz = OperandFormat::Fp8FNUZ;
constexpr OperandFormat kOcp = OperandFormat::Fp8OCP;
constexpr OperandFormat kFp4 = OperandFormat::Fp4;

// fp8 at 2x only in the chip's own flavor; fp4 only with MX-scaled MMAs;
// a wide operand keeps the bf16 rate.
TEST(InterStageQuantModelTest, MMARates) {
  EXPECT_EQ(mmaRateOverBF16(chip("gfx942"), kFnuz, kFnuz), 2.0);
  EXPECT_EQ(mmaRateOverBF16(chip("gfx942"), kOcp, kOcp), 1.0);
  EXPECT_EQ(mmaRateOverBF16(chip("gfx942"), kFp4, kFp4), 1.0);
  EXPECT_EQ(mmaRateOverBF16(chip("gfx950"), kOcp, kOcp), 2.0);
  EXPECT_EQ(mmaRateOverBF16(chip("gfx950"), kFnuz, kFnuz), 1.0);
  EXPECT_EQ(mmaRateOverBF16(chip("gfx950"), kOcp, kFp4), 2.0);
  EXPECT_EQ(mmaRateOverBF16(chip("gfx950"), kFp4, kFp4), 4.0);
  EXPECT_EQ(mmaRateOverBF16(chip("sm_90"), kOcp, kOcp), 2.0);
  EXPECT_EQ(mmaRateOverBF16(chip("sm_90"), kOcp, kFp4), 1.0);
  EXPECT_EQ(mmaRateOverBF16(chip("sm_90"), kFp4, kFp4), 1.0);
  for (llvm::StringRef name : {"gfx942", "gfx950", "sm_90"}) {
    EXPECT_EQ(mmaRateOverBF16(chip(name), kWide, kFp4), 1.0);
    EXPECT_EQ(mmaRateOverBF16(chip(name), kWide, kOcp), 1.0);
  }
}

// The costs are the stated sums: bytes at the HBM bandwidth, MMA flops at
// the rate of the formats.
TEST(InterStageQuantModelTest, CostTerms) {
  const ChipInfo &c = chip("gfx950");
  InterStageQuantProblem p{1024, 4096, 2, kFp4, 1024 / 32.0, kFp4, true};
  InterStageQuantCost cost = interStageQuantCost(c, p);
  double flops = 2.0 * 1024 * 4096;
  double quantizedRow = 1024 / 2.0 + 1024 / 32.0;
  EXPECT_DOUBLE_EQ(cost.quantizedSeconds,
                   2 * quantizedRow / c.hbmBytesPerSecond +
                       flops / (4 * c.bf16FlopsPerSecond));
  EXPECT_DOUBLE_EQ(cost.skippedSeconds, 2 * 1024 * 2.0 / c.hbmBytesPerSecond +
                                            flops / c.bf16FlopsPerSecond);
  p.fused = false;
  EXPECT_DOUBLE_EQ(interStageQuantCost(c, p).quantizedSeconds,
                   cost.quantizedSeconds +
                       2 * 1024 * 2.0 / c.hbmBytesPerSecond);
}

// Fused into GEMM1, the quantized rows are fewer bytes and multiply at
// least as fast: kept on every chip. As a kernel of its own, the quantize's
// bytes win where the chip gains nothing from the format (fp4 on sm_90 and
// gfx942) and where H is small; gfx950's fp4 MMAs pay for it at large H.
TEST(InterStageQuantModelTest, Decisions) {
  for (llvm::StringRef name : {"gfx942", "gfx950", "sm_90"})
    for (OperandFormat f : {kFnuz, kOcp, kFp4}) {
      InterStageQuantProblem p{1536, 4096, 2, f, 1536 / 32.0, f, true};
      EXPECT_FALSE(interStageQuantCost(chip(name), p).skipPays()) << name.str();
    }
  InterStageQuantProblem unfused{1536, 4096, 2, kFp4, 1536 / 32.0, kFp4, false};
  EXPECT_TRUE(interStageQuantCost(chip("sm_90"), unfused).skipPays());
  EXPECT_TRUE(interStageQuantCost(chip("gfx942"), unfused).skipPays());
  EXPECT_FALSE(interStageQuantCost(chip("gfx950"), unfused).skipPays());
  unfused.hidden = 64;
  EXPECT_TRUE(interStageQuantCost(chip("gfx950"), unfused).skipPays());
  // An fp8 flavor the chip does not multiply gains nothing either.
  InterStageQuantProblem otherFlavor{1536, 4096, 2, kOcp, 4.0 * 1536 / 128,
                                     kOcp, false};
  EXPECT_TRUE(interStageQuantCost(chip("gfx942"), otherFlavor).skipPays());
  // Unfused fp8 of sm_90's flavor at H = 4096: its 2x MMAs pay.
  InterStageQuantProblem fp8{1536, 4096, 2, kOcp, 4.0 * 1536 / 128,
                             kOcp, false};
  EXPECT_FALSE(interStageQuantCost(chip("sm_90"), fp8).skipPays());
}

} // namespace
