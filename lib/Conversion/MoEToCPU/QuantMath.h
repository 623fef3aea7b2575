//===- QuantMath.h - scalar quantization math of the CPU reference -*- C++
//-*-===//
//
// Scale lookup, dequantization and the quantization rules of #moe.quant in f32.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_CONVERSION_MOETOCPU_QUANTMATH_H
#define MOE_CONVERSION_MOETOCPU_QUANTMATH_H

#include "RefBuilder.h"
#include "moe/Conversion/QuantRules.h"

namespace mlir::moe::cpu {

/// The sizes of the scales of a tensor of sizes `sizes` under `scheme` (the
/// run-time twin of QuantAttr::getScaleShape).
SmallVector<Value> scaleSizes(RefBuilder &rb, QuantAttr scheme,
                              ArrayRef<Value> sizes);

/// Run-time checks of what the verifier cannot prove with dynamic sizes:
/// each scale dimension equals the one the scheme derives from `values`
/// (`name` in messages), and mx values have a multiple of 32 columns.
/// Returns the i1 conjunction.
Value requireScaleSizes(RefBuilder &rb, Operation *op, StringRef name,
                        Value values, Value scales, QuantAttr scheme);

/// f32(values[indices]) * f32(scales[scale index]).
Value loadDequantized(RefBuilder &rb, Value values, Value scales,
                      QuantAttr scheme, ValueRange indices);

/// What moe.quantize then moe.dequantize give, in f32, for a row of `len`
/// values (element i is `load(rb, i)`, f32) under a scheme of one row
/// (per_row, block [1, g] or mx) and value type `valueType`: a new 1-D f32
/// tensor.
Value fakeQuantizeRow(RefBuilder &rb, Value len,
                      function_ref<Value(RefBuilder &, Value)> load,
                      QuantAttr scheme, Type valueType);

/// What moe.quantize stores for row `row` of a rank-2 tensor of `len`
/// columns (element i is `load(rb, i)`, f32) under a row scheme: the codes
/// go into `values` ([R, len]) and the group scales into `scales` ([R], or
/// [R, groups]). Returns the updated {values, scales}.
SmallVector<Value>
quantizeRowInto(RefBuilder &rb, Value len,
                function_ref<Value(RefBuilder &, Value)> load, QuantAttr scheme,
                Value values, Value scales, Value row);

} // namespace mlir::moe::cpu

#endif // MOE_CONVERSION_MOETOCPU_QUANTMATH_H
