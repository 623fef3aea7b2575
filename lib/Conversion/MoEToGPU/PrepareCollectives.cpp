//===- PrepareCollectives.cpp - collectives before GPU kernels ------------===//
//
// Collectives over one rank become what they compute there. Over several,
// moe.all_reduce_add_rms_norm runs as the one-shot kernel when the runtime
// has a peer workspace for its group and its rows fit, else as
// moe.all_reduce + moe.add_rms_norm (OneShotAllReduce.h); the others stay
// for lowerCollectivesToCalls.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/GPUKernels.h"

#include "OneShotAllReduce.h"

#include "moe/Conversion/CollectiveCalls.h"
#include "moe/Dialect/MoE/MoE.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"

using namespace mlir;
using namespace mlir::moe;

/// Marks an op that guardOneShot has guarded already.
static constexpr StringLiteral kOneShotGuarded = "moe.one_shot";

/// `op` over `size` (> 1) ranks as
///   %table = call @moe_collective_one_shot_table(group, size, rows,
///                                                row_bytes, max_bytes)
///   scf.if %table != 0 { op } else { all_reduce; add_rms_norm }
/// with rows the product of x's dims but the last.
static void guardOneShot(AllReduceAddRMSNormOp op, int64_t size) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto type = cast<RankedTensorType>(op.getX().getType());
  auto sizeOf = [&](int64_t d) -> Value {
    if (type.isDynamicDim(d))
      return tensor::DimOp::create(b, loc, op.getX(), d);
    return arith::ConstantIndexOp::create(b, loc, type.getDimSize(d));
  };
  Value rows = sizeOf(0);
  for (int64_t d = 1; d + 1 < type.getRank(); ++d)
    rows = arith::MulIOp::create(b, loc, rows, sizeOf(d));
  int64_t last = type.getRank() - 1;
  int64_t elementBytes = type.getElementTypeBitWidth() / 8;
  Value rowBytes =
      type.isDynamicDim(last)
          ? arith::MulIOp::create(
                b, loc, sizeOf(last),
                arith::ConstantIndexOp::create(b, loc, elementBytes))
                .getResult()
          : arith::ConstantIndexOp::create(b, loc,
                                           type.getDimSize(last) * elementBytes)
                .getResult();
  Value table =
      callOneShotTable(b, loc, op, size, rows, rowBytes, kOneShotMaxBytes);
  Value open =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, table,
                            arith::ConstantIntOp::create(b, loc, 0, 64));
  auto branch = scf::IfOp::create(b, loc, op->getResultTypes(), open,
                                  /*withElseRegion=*/true);
  op->replaceAllUsesWith(branch.getResults());
  b.setInsertionPointToStart(&branch.getElseRegion().front());
  auto fallback = cast<AllReduceAddRMSNormOp>(b.clone(*op));
  scf::YieldOp::create(b, loc, fallback->getResults());
  splitAllReduceAddRMSNorm(fallback, size);
  b.setInsertionPointToStart(&branch.getThenRegion().front());
  auto yield = scf::YieldOp::create(b, loc, op->getResults());
  op->moveBefore(yield);
  op->setAttr(kOneShotGuarded, b.getUnitAttr());
}

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
      if (*size == 1)
        splitAllReduceAddRMSNorm(fused, *size);
      else if (!fused->hasAttr(kOneShotGuarded))
        guardOneShot(fused, *size);
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
