//===- InterStageQuantModel.cpp - quantize GEMM2's input or not -----------===//
//
// Bytes moved at the chip's HBM bandwidth plus GEMM2's MMA work at the rate
// of its operand formats, per activation row.
//
//===----------------------------------------------------------------------===//

#include "moe/Target/InterStageQuantModel.h"

using namespace mlir::moe;

static bool isFp8(OperandFormat f) {
  return f == OperandFormat::Fp8FNUZ || f == OperandFormat::Fp8OCP;
}

/// The chip's MMAs take an operand stored as `f`: wide always, fp8 of the
/// chip's flavor, fp4 through MX-scaled MMAs.
static bool chipTakes(const ChipInfo &chip, OperandFormat f) {
  switch (f) {
  case OperandFormat::Wide:
    return true;
  case OperandFormat::Fp8FNUZ:
    return chip.fp8 == Fp8Flavor::FNUZ;
  case OperandFormat::Fp8OCP:
    return chip.fp8 == Fp8Flavor::OCP;
  case OperandFormat::Fp4:
    return chip.scaledMMA;
  }
  return false;
}

double mlir::moe::mmaRateOverBF16(const ChipInfo &chip, OperandFormat a,
                                  OperandFormat w) {
  if (a == OperandFormat::Wide || w == OperandFormat::Wide ||
      !chipTakes(chip, a) || !chipTakes(chip, w))
    return 1.0;
  if (a == OperandFormat::Fp4 && w == OperandFormat::Fp4)
    return 4.0;
  if (isFp8(a) && isFp8(w))
    return 2.0;
  // fp8 x fp4: only the MX-scaled MMA takes the pair, at its fp8 rate.
  return chip.scaledMMA ? 2.0 : 1.0;
}

static double storedBytes(int64_t elements, OperandFormat f) {
  return f == OperandFormat::Fp4 ? elements / 2.0 : double(elements);
}

InterStageQuantCost
mlir::moe::interStageQuantCost(const ChipInfo &chip,
                               const InterStageQuantProblem &p) {
  double hbm = chip.hbmBytesPerSecond;
  double flops = 2.0 * p.inner * p.hidden;
  double wideRow = double(p.inner) * p.wideBytes;
  double quantizedRow = storedBytes(p.inner, p.quantized) + p.scaleBytesPerRow;
  // Written once by GEMM1 (or the quantize kernel), read once by GEMM2; an
  // unfused quantize also writes and reads the wide row.
  double quantizedBytes = 2 * quantizedRow + (p.fused ? 0 : 2 * wideRow);
  InterStageQuantCost cost;
  cost.quantizedSeconds =
      quantizedBytes / hbm +
      flops / (chip.bf16FlopsPerSecond *
               mmaRateOverBF16(chip, p.quantized, p.weights));
  cost.skippedSeconds =
      2 * wideRow / hbm +
      flops / (chip.bf16FlopsPerSecond *
               mmaRateOverBF16(chip, OperandFormat::Wide, p.weights));
  return cost;
}
