//===- ActivationMath.h - gated activations in f32 scalar math --*- C++ -*-===//
//
// The activation epilogue every lowering (CPU reference and GPU kernels) emits.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_CONVERSION_ACTIVATIONMATH_H
#define MOE_CONVERSION_ACTIVATIONMATH_H

#include "moe/Dialect/MoE/MoE.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::moe {

/// act(gate, up) for f32 scalars, as #moe.activation defines it (arith and
/// math: exp for the sigmoid, erf for GELU).
Value emitGatedActivationF32(ImplicitLocOpBuilder &b, ActivationAttr act,
                             Value gate, Value up);

} // namespace mlir::moe

#endif // MOE_CONVERSION_ACTIVATIONMATH_H
