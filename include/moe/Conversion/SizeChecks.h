//===- SizeChecks.h - run-time size checks of compiled programs -*- C++ -*-===//
//
// Checks of size relations the verifier cannot prove, recorded for the runtime.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_CONVERSION_SIZECHECKS_H
#define MOE_CONVERSION_SIZECHECKS_H

#include "moe/Dialect/MoE/MoE.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::moe {

/// Name of the run-time check state (see emitSizeCheck); the messages are
/// the module attribute MoEDialect::getCheckMessagesAttrName().
inline constexpr llvm::StringLiteral kCheckStateSymbol = "moe_check_state";

/// Declares `memref.global "public" @moe_check_state : memref<3xi64>`
/// ({failed check id + 1, expected, found}) in `module` if missing.
void declareCheckState(ModuleOp module);

/// A run-time check that `found == expected` (index values) for a size
/// relation of `op` that the verifier could not prove (dynamic sizes). On
/// failure the first failing check's id and values are recorded in the
/// `moe_check_state` global (host memory), which the runtime reads after
/// each call; "OP at FILE:LINE:COL: `what`" becomes the check's message in
/// the module's `moe.check_messages` list. Returns the i1 `found ==
/// expected` (a constant true when the two are equal by construction).
/// `opName` names the checked op in the message when it is not `op` itself
/// (moe.check_size).
Value emitSizeCheck(ImplicitLocOpBuilder &b, Operation *op, Value found,
                    Value expected, StringRef what, StringRef opName = {});

/// The (found, expected) index values of `relation` between `operands`
/// (tensors or memrefs); static sizes are constants.
std::pair<Value, Value>
materializeSizeRelation(ImplicitLocOpBuilder &b, ValueRange operands,
                        const OperandSizeRelation &relation);

/// Replaces every moe.check_size in `module` by its run-time check.
void lowerCheckSizeOps(ModuleOp module);

} // namespace mlir::moe

#endif // MOE_CONVERSION_SIZECHECKS_H
