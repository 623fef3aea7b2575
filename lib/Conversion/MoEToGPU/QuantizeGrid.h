//===- QuantizeGrid.h - the moe.quantize kernel's grid ----------*- C++ -*-===//
//
// What the quantize kernel (QuantizeKernel.cpp) and its launch
// (KernelTemplates.cpp) agree on: the chunks of a row's scale groups, one
// workgroup each.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_CONVERSION_MOETOGPU_QUANTIZEGRID_H
#define MOE_CONVERSION_MOETOGPU_QUANTIZEGRID_H

#include "moe/Dialect/MoE/MoE.h"

#include "mlir/IR/Builders.h"

namespace mlir::moe {

/// Workgroups per row of moe.quantize `op` over rows of `rowLength`
/// elements (an index): its scale groups in chunks of one per wave, at
/// least one (per_row: one group, one chunk).
Value quantizeGroupChunks(OpBuilder &b, Location loc, QuantizeOp op,
                          Value rowLength);

} // namespace mlir::moe

#endif // MOE_CONVERSION_MOETOGPU_QUANTIZEGRID_H
