//===- CollectiveCalls.h - collectives as runtime calls ---------*- C++ -*-===//
//
// Collectives over several ranks become calls of the runtime's
// moe_collective_* functions, the same on every target: NCCL / RCCL in the
// GPU backends (device buffers, queued on the stream), Open MPI in the CPU
// one (host buffers). README, "Collectives".
//
//===----------------------------------------------------------------------===//

#ifndef MOE_CONVERSION_COLLECTIVECALLS_H
#define MOE_CONVERSION_COLLECTIVECALLS_H

#include "moe/Dialect/MoE/MoE.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::moe {

/// Replaces `op` by moe.all_reduce over its group (none when the group has
/// `groupSize` 1) then moe.add_rms_norm, as its semantics say (the sum is
/// rounded to the element type before the add).
void splitAllReduceAddRMSNorm(AllReduceAddRMSNormOp op, int64_t groupSize);

/// The address (an i64) of a NUL-terminated host global holding group name
/// `name`, as the runtime's moe_collective_* functions take it; the global
/// is made once per module.
Value groupNameAddress(ImplicitLocOpBuilder &b, ModuleOp module,
                       StringRef name);

/// Replaces each moe.all_reduce, moe.all_gather, moe.reduce_scatter and
/// moe.all_to_all over several ranks by buffers and calls of the runtime's
/// moe_collective_* on them. Ops over one rank stay.
LogicalResult lowerCollectivesToCalls(ModuleOp module);

} // namespace mlir::moe

#endif // MOE_CONVERSION_COLLECTIVECALLS_H
