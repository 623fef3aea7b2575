//===- PackedFp4.h - fp4 codes packed two per byte, widened -----*- C++ -*-===//
//
// fp4 (E2M1) weights as GPU kernels read them: two codes per byte, the low
// nibble first. Shared by the row-dot GEMM kernel and its test pass
// (--moe-test-widen-packed-fp4).
//
//===----------------------------------------------------------------------===//

#ifndef MOE_CONVERSION_PACKEDFP4_H
#define MOE_CONVERSION_PACKEDFP4_H

#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::moe {

/// What widenPackedFp4's values are to be multiplied by (2^14).
constexpr double kPackedFp4Scale = 16384.0;

/// The 2N codes of `bytes` (vector<N x i8>, N a multiple of 4) as
/// vector<2N x f32>, each its E2M1 value times 2^-14 (exact).
Value widenPackedFp4(ImplicitLocOpBuilder &b, Value bytes);

} // namespace mlir::moe

#endif // MOE_CONVERSION_PACKEDFP4_H
