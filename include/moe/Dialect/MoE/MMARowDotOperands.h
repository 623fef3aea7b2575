//===- MMARowDotOperands.h - what an mma_row_dot kernel takes ---*- C++ -*-===//
//
// The operands of the GPU kernels' mma_row_dot GEMM plans (NVIDIA), which
// the planner (GroupedMatmulProblem.cpp) and moe-fuse-combine-gemm2 (their
// kernel does not sum routes) both ask about.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_DIALECT_MOE_MMAROWDOTOPERANDS_H
#define MOE_DIALECT_MOE_MMAROWDOTOPERANDS_H

#include "moe/Dialect/MoE/MoE.h"

namespace mlir::moe {

/// fp4 weights with mx (E8M0) scales times bf16 A without scales.
inline bool hasMMARowDotOperands(GroupedMatmulOp op) {
  QuantAttr w = op.getWQuantAttr();
  return isa<Float4E2M1FNType>(op.getWType().getElementType()) && w &&
         w.getKind() == QuantKind::Mx &&
         op.getAType().getElementType().isBF16() && !op.getAScales();
}

} // namespace mlir::moe

#endif // MOE_DIALECT_MOE_MMAROWDOTOPERANDS_H
