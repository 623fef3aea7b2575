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

/// What packedFp4Bf16Pair's values are to be multiplied by (2^126).
constexpr double kPackedFp4Bf16Scale = 0x1p126;

/// Codes i and i + 4 (i < 4) of the eight in `word` (an i32, code c in
/// bits 4c..4c+3) as vector<2 x bf16>, each its E2M1 value times 2^-126
/// (exact; 0.5 is a bf16 subnormal): the pair order of the mma_row_dot
/// kernel, whose A operand takes the same k pairs.
Value packedFp4Bf16Pair(ImplicitLocOpBuilder &b, Value word, int64_t i);

} // namespace mlir::moe

#endif // MOE_CONVERSION_PACKEDFP4_H
