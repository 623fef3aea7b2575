//===- MMASync.h - nvvm.mma.sync m16n8k16 operands and calls ----*- C++ -*-===//
//
// The mma.sync pieces the register-fed atom (MMASyncInstruction.cpp) and the
// ldmatrix-fed shared-tile loop (GroupedMatmulSharedLoop.cpp) share.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_CONVERSION_MOETOGPU_MMASYNC_H
#define MOE_CONVERSION_MOETOGPU_MMASYNC_H

#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::moe {

/// The mma.sync operand register of two elements (vector<2xbf16|f16>): an
/// i32 for bf16, the vector itself for f16.
Value mmaRegister(ImplicitLocOpBuilder &b, Value pair);

/// One mma.sync m16n8k16 (row A, col B, f32 accumulators): `a` the four A
/// registers (a0a1 row g, a2a3 row g+8, a4a5 row g k+8, a6a7 row g+8 k+8),
/// `w` the two B registers (k 2t.., k 2t+8.. of column g), `acc` the four
/// accumulator values; returns the four sums (mmaRegister forms).
SmallVector<Value> mmaSyncM16N8K16(ImplicitLocOpBuilder &b, bool bf16,
                                   ArrayRef<Value> a, ArrayRef<Value> w,
                                   ArrayRef<Value> acc);

/// One mma.sync m16n8k32 of OCP fp8 (e4m3) operands, f32 accumulators:
/// `a` the four A registers (4 bytes each: row g k 4t.., row g+8 k 4t..,
/// row g k 4t+16.., row g+8 k 4t+16..), `w` the two B registers (k 4t..
/// and 4t+16.. of column g), `acc` the four accumulator values; returns the
/// four sums. The NVVM dialect has no dense fp8 mma.sync, so it calls the
/// LLVM intrinsic (PTX ISA 8.4, sm_89 and later).
SmallVector<Value> mmaSyncM16N8K32E4M3(ImplicitLocOpBuilder &b,
                                       ArrayRef<Value> a, ArrayRef<Value> w,
                                       ArrayRef<Value> acc);

} // namespace mlir::moe

#endif // MOE_CONVERSION_MOETOGPU_MMASYNC_H
