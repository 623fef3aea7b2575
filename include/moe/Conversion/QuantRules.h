//===- QuantRules.h - the quantization rules of moe.quantize ----*- C++ -*-===//
//
// The scale of a group and the rounding of its elements (moe.quantize's
// rules) as f32 arithmetic, shared by the CPU reference and the GPU kernels.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_CONVERSION_QUANTRULES_H
#define MOE_CONVERSION_QUANTRULES_H

#include "moe/Dialect/MoE/MoE.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::moe {

/// The indices into the scales of `scheme` of the element at `indices` of a
/// quantized tensor (`[lead..., r, c]`).
SmallVector<Value> scaleIndices(ImplicitLocOpBuilder &b, QuantAttr scheme,
                                ValueRange indices);

/// The largest finite value of a quantized element type (448, 240, 6).
double largestFinite(Type valueType);

/// The scale of a group whose largest magnitude is `amax` (f32), as stored
/// (f32, or f8E8M0FNU for mx), and the f32 factor its elements are
/// multiplied by before rounding (1 / scale; for f32 scales the factor is
/// not used: elements are divided by the scale, see moe.quantize).
struct GroupScale {
  Value stored;
  Value factor;
};
GroupScale computeGroupScale(ImplicitLocOpBuilder &b, QuantAttr scheme,
                             Type valueType, Value amax);

/// round(clamp(x / scale, -fmax, fmax)) (or x * factor for mx) in the value
/// type.
Value quantizeElement(ImplicitLocOpBuilder &b, QuantAttr scheme, Type valueType,
                      const GroupScale &scale, Value x);

} // namespace mlir::moe

#endif // MOE_CONVERSION_QUANTRULES_H
