//===- OneShotAllReduce.h - fused one-shot all_reduce + RMSNorm -*- C++ -*-===//
//
// moe.all_reduce_add_rms_norm over several ranks of one node as one kernel
// per rank. Each rank writes its rows into its peer workspace, a buffer that
// the runtime allocated for the group and that every peer opened over CUDA
// or HIP IPC (moe_device_peer_workspace, moe_device_peer_open). It then
// flags every peer and waits for their flags. It sums every rank's rows in
// rank order in f32, rounds once to the element type, adds the residual and
// normalizes, all in the same kernel. When the runtime has no workspace for
// the group, or the rows do not fit in it, the program runs moe.all_reduce
// (NCCL / RCCL) and then moe.add_rms_norm instead. Past kTwoStageFromBytes
// (4+ ranks) the kernel runs in two stages: each row is summed by one owner
// rank, which publishes the rounded sum over its own row in its workspace
// and flags the others, who read it (OneShotAllReduceKernel.cpp); then a
// flag (row, owner) means "the owner's sum is there".
//
// The peer table (device memory, one per rank, built by the runtime):
//   u64 workspace[size]  each rank's workspace (past its header of sizes),
//                        this rank's included
//   i64 rank, i64 flag_bytes, i64 buffer_bytes
// A workspace: flag_bytes of u32 flags (row r from rank p at (r * size + p)),
// then two buffers of buffer_bytes. A call's epoch for row r is one more than
// this rank's last flag of r to itself, so the epochs live on the device and
// the launch takes no per-call host value (meant for CUDA graph replays,
// which no test runs yet). Rows of epoch e go to buffer
// e % 2: a peer can run one call ahead, never two. A row's place in a
// buffer is row x row bytes, so a group's one-shot calls all have the row
// bytes of its first (the runtime sends others to NCCL + norm).
//
//===----------------------------------------------------------------------===//

#ifndef MOE_CONVERSION_MOETOGPU_ONESHOTALLREDUCE_H
#define MOE_CONVERSION_MOETOGPU_ONESHOTALLREDUCE_H

#include "moe/Conversion/GPUKernels.h"

namespace mlir::moe {

/// The runtime function that answers whether the one-shot kernel can run:
///   u64 moe_collective_one_shot_table(u64 group_name, i64 group_size,
///                                     i64 rows, i64 row_bytes,
///                                     i64 max_bytes)
/// returns the group's peer table (a device address) when a workspace is
/// open for it and rows * row_bytes <= min(max_bytes, its buffer), else 0.
inline constexpr StringLiteral kOneShotTableFunc =
    "moe_collective_one_shot_table";

/// The largest message (rows x hidden x element bytes) the program sends
/// through the one-shot kernel; larger ones take all_reduce + norm. Every
/// rank reads every peer's whole message, which pays for small messages
/// only. Not measured yet (one H200 only; the multi-GPU issue measures it).
inline constexpr int64_t kOneShotMaxBytes = 4 << 20;

/// How the one-shot kernel of one op runs.
struct OneShotPlan {
  /// Threads of a workgroup; each takes `vectorWidth` columns at a time.
  int64_t threads;
  /// Elements per access: 16 bytes when the hidden size is static and a
  /// multiple of it, else 1.
  int64_t vectorWidth;
  /// Most workgroups (a grid-stride loop takes the other rows): all of them
  /// resident at once, so that a workgroup waiting for its peers never
  /// waits for a workgroup that cannot start.
  int64_t maxWorkgroups;
  /// Messages (rows x row bytes) larger than this run in two stages (see
  /// kTwoStageFromBytes); -1: never.
  int64_t twoStageFromBytes;
};

/// The message size from which groups of at least 4 ranks take the
/// two-stage kernel: each row is reduced by one owner rank alone (a reduce-
/// scatter by rows, owners rotating over each workgroup's rows), which
/// publishes the rounded sum in its workspace; the other ranks read that
/// row (the all-gather) and each adds the residual and normalizes it. A
/// rank then reads about 2 rows per row instead of `size`, at the cost of a
/// second flag round trip. Not measured yet (the multi-GPU issue measures
/// it): a guess from the bytes read.
inline constexpr int64_t kTwoStageFromBytes = 256 << 10;

OneShotPlan planOneShotAllReduce(AllReduceAddRMSNormOp op, const ChipInfo &chip,
                                 int64_t groupSize);

/// The kernel of `op` (rank-2 x) over its group of `groupSize` ranks:
///   (x, residual, weight, normed, residual_out: memrefs of the op's types,
///    table: i64)
/// one row per workgroup at a time: grid min(rows, plan.maxWorkgroups)
/// (the template's launch), rows blockIdx.x + k * grid.
FailureOr<gpu::GPUFuncOp> buildOneShotAllReduceKernel(OpBuilder &builder,
                                                      gpu::GPUModuleOp module,
                                                      AllReduceAddRMSNormOp op,
                                                      const ChipInfo &chip,
                                                      StringRef name);

/// The call of kOneShotTableFunc for `op`'s group with `rows` and
/// `rowBytes` (index values) and `maxBytes`; declares the function in the
/// module when it is not yet.
Value callOneShotTable(OpBuilder &b, Location loc, AllReduceAddRMSNormOp op,
                       int64_t groupSize, Value rows, Value rowBytes,
                       int64_t maxBytes);

} // namespace mlir::moe

#endif // MOE_CONVERSION_MOETOGPU_ONESHOTALLREDUCE_H
