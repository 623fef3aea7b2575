//===- PrepareCollectives.cpp - collectives before GPU kernels ------------===//
//
// Collectives over one rank become what they compute there; over several,
// moe.all_reduce_add_rms_norm becomes moe.all_reduce + moe.add_rms_norm,
// and the others stay for lowerCollectivesToCalls.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/GPUKernels.h"

#include "moe/Conversion/CollectiveCalls.h"
#include "moe/Dialect/MoE/MoE.h"

#include "mlir/IR/BuiltinOps.h"

using namespace mlir;
using namespace mlir::moe;

LogicalResult mlir::moe::prepareCollectives(ModuleOp module,
                                            bool keepUnsupported) {
  SmallVector<Operation *> collectives;
  module.walk([&](Operation *op) {
    if (isa<CollectiveOpInterface>(op))
      collectives.push_back(op);
  });
  for (Operation *op : collectives) {
    StringRef group = cast<CollectiveOpInterface>(op).getGroupName();
    FailureOr<int64_t> size = lookupGroupSize(op, group);
    if (failed(size))
      return failure();
    if (*size != 1 && !isa<AllReduceAddRMSNormOp>(op))
      continue;
    if (auto fused = dyn_cast<AllReduceAddRMSNormOp>(op)) {
      splitAllReduceAddRMSNorm(fused, *size);
      continue;
    }
    if (*size == 1 && op->getOperandTypes() == op->getResultTypes()) {
      // all_reduce, all_gather, reduce_scatter and all_to_all (data and
      // counts) return their operands on one rank.
      op->replaceAllUsesWith(op->getOperands());
      op->erase();
      continue;
    }
    if (keepUnsupported)
      continue;
    return op->emitOpError()
           << "runs over group '" << group
           << "' of one rank, where it returns its operands; GPU targets "
              "need its result types to equal its operand types (expected "
           << op->getOperandTypes() << ", found " << op->getResultTypes()
           << ")";
  }
  return success();
}
