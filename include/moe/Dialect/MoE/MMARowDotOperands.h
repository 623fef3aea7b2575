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

/// Scale groups along K that an fp8 mma_row_dot step (64 k, or a multiple)
/// fits in: per_tensor, per_row and block schemes; not mx (32 k).
inline bool hasStepScales(QuantAttr scheme) {
  return !scheme || scheme.getKind() != QuantKind::Mx;
}

/// fp4 weights with mx (E8M0) scales times bf16 A without scales, or OCP
/// fp8 weights times OCP fp8 A (fp8 mma.sync), each with scales that are
/// not mx.
inline bool hasMMARowDotOperands(GroupedMatmulOp op) {
  QuantAttr w = op.getWQuantAttr();
  Type wElement = op.getWType().getElementType();
  Type aElement = op.getAType().getElementType();
  if (isa<Float4E2M1FNType>(wElement))
    return w && w.getKind() == QuantKind::Mx && aElement.isBF16() &&
           !op.getAScales();
  return isa<Float8E4M3FNType>(wElement) && isa<Float8E4M3FNType>(aElement) &&
         hasStepScales(w) && hasStepScales(op.getAQuantAttr());
}

} // namespace mlir::moe

#endif // MOE_DIALECT_MOE_MMAROWDOTOPERANDS_H
