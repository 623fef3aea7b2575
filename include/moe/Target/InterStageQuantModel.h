//===- InterStageQuantModel.h - quantize GEMM2's input or not ---*- C++ -*-===//
//
// Whether quantizing the activations between the two expert GEMMs pays on a
// chip: the cost model of --moe-skip-inter-stage-quant.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TARGET_INTERSTAGEQUANTMODEL_H
#define MOE_TARGET_INTERSTAGEQUANTMODEL_H

#include "moe/Target/Chip.h"

namespace mlir::moe {

/// How an MMA operand is stored: bf16/f16 ("wide"), fp8 of either flavor, or
/// fp4 (E2M1).
enum class OperandFormat { Wide, Fp8FNUZ, Fp8OCP, Fp4 };

/// Dense MMA rate of a GEMM whose A and W are stored as `a` and `w`, as a
/// multiple of the chip's bf16 rate: 2 where the chip multiplies both as
/// fp8 (its own fp8 flavor: FNUZ on gfx942, OCP on gfx950 and sm_90), and on
/// chips with MX-scaled MMA (gfx950) where one is fp8 and the other fp4; 4
/// where both are fp4 on such a chip; else 1 (an operand the chip cannot
/// multiply as stored is widened to bf16 in registers). The ratios are the
/// vendors' dense figures: 2x bf16 for fp8 on MI300X, MI355X and H100/H200,
/// 4x for fp4 on MI355X.
double mmaRateOverBF16(const ChipInfo &chip, OperandFormat a, OperandFormat w);

/// The activations GEMM2 reads (one `[I]` row per route) and what their
/// quantization would be.
struct InterStageQuantProblem {
  int64_t inner;           ///< I: the activation row, GEMM2's K
  int64_t hidden;          ///< H: GEMM2's N
  int64_t wideBytes;       ///< bytes of an unquantized element (2: bf16/f16)
  OperandFormat quantized; ///< the activation's quantized format
  double scaleBytesPerRow; ///< bytes of a row's scales
  OperandFormat weights;   ///< how GEMM2's W is stored
  /// The quantization runs in GEMM1's epilogue (--moe-fuse-activation-quant
  /// applies), else as its own kernel over the activations.
  bool fused;
};

/// Modelled seconds per activation row (route) of the part of the layer the
/// choice changes; every term is proportional to the routes, so the choice
/// does not depend on T, and GEMM2's weight stream, which both choices
/// read, is left out.
struct InterStageQuantCost {
  /// GEMM1 writes the quantized row (fused), or writes it wide and a
  /// quantize kernel reads it and writes it quantized (not fused); GEMM2
  /// reads the quantized row and multiplies at mmaRateOverBF16 of the two
  /// formats.
  double quantizedSeconds;
  /// GEMM1 writes the wide row, GEMM2 reads it and multiplies at the rate of
  /// a wide A (a16w8, a16w4).
  double skippedSeconds;
  bool skipPays() const { return skippedSeconds < quantizedSeconds; }
};

InterStageQuantCost interStageQuantCost(const ChipInfo &chip,
                                        const InterStageQuantProblem &p);

} // namespace mlir::moe

#endif // MOE_TARGET_INTERSTAGEQUANTMODEL_H
