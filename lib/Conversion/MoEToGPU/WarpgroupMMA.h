//===- WarpgroupMMA.h - sm_90a warpgroup MMAs from shared memory -*- C++
//-*-===//
//
// The wgmma atom of the shared-tile GEMM: matrix descriptors of the
// swizzled K-major tiles that SharedTiles writes, and wgmma.mma_async
// m64nNk16 with f32 accumulators (nvvm.wgmma.*).
//
//===----------------------------------------------------------------------===//

#ifndef MOE_CONVERSION_MOETOGPU_WARPGROUPMMA_H
#define MOE_CONVERSION_MOETOGPU_WARPGROUPMMA_H

#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::moe {

/// Rows of one warpgroup MMA.
inline constexpr int64_t kWarpgroupRows = 64;
/// Alignment of a warpgroup MMA's shared-memory operands: the 128-byte
/// swizzle repeats every 1024 bytes of address (the 64-byte one every 512).
inline constexpr int64_t kWarpgroupSwizzleAlign = 1024;
/// Waves of a warpgroup.
inline constexpr int64_t kWarpgroupWaves = 4;
/// Most columns of one warpgroup MMA.
inline constexpr int64_t kWarpgroupMaxN = 256;
/// Most f32 accumulators a lane of a warpgroup plan holds, in the 4-value
/// m16n8 tiles of its waves.
inline constexpr int64_t kWarpgroupAccTiles = 32;
/// Registers a lane of a warpgroup plan needs besides its accumulators
/// (descriptors, routes, loop state: 26-40 by ptxas -v on the plans of
/// test/Integration/GPU/grouped_matmul_warpgroup.mlir).
inline constexpr int64_t kWarpgroupOtherRegisters = 40;

/// The shared-memory descriptor (i64) of a K-major operand whose first row
/// starts at shared address `address` (i64): rows of `rowBytes` (128 or 64)
/// in the 128- or 64-byte swizzle (16-byte chunk c of row r at c XOR the
/// row's place in the pattern: SharedTiles' layout), 8-row groups
/// 8 * rowBytes apart. The 16 k of one MMA at byte offset kByte of the row
/// are `address + kByte` (the hardware swizzles the whole address).
Value warpgroupDescriptor(ImplicitLocOpBuilder &b, Value address,
                          int64_t rowBytes);

/// Orders the lane's accumulator registers before the MMAs that follow.
void warpgroupFence(ImplicitLocOpBuilder &b);

/// acc + A x B over 16 k: wgmma.mma_async m64nNk16 (A row-major and B
/// K-major, both from shared memory, f32 accumulators), N = 2 x acc.size()
/// (acc: this lane's values, in the order of the m16n8 fragments: for
/// each 8 columns, (row g, 2t), (g, 2t+1), (g+8, 2t), (g+8, 2t+1)).
/// Asynchronous: the results are ready after warpgroupCommitAndWait.
SmallVector<Value> warpgroupMMA(ImplicitLocOpBuilder &b, bool bf16,
                                Value aDescriptor, Value bDescriptor,
                                ArrayRef<Value> acc);

/// Closes the MMAs issued since the last call into a group and waits until
/// at most `pending` groups are in flight.
void warpgroupCommitAndWait(ImplicitLocOpBuilder &b, int64_t pending);

} // namespace mlir::moe

#endif // MOE_CONVERSION_MOETOGPU_WARPGROUPMMA_H
