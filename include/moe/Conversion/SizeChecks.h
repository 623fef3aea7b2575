//===- SizeChecks.h - run-time size checks of compiled programs -*- C++ -*-===//
//
// Checks of size relations the verifier cannot prove, recorded for the runtime.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_CONVERSION_SIZECHECKS_H
#define MOE_CONVERSION_SIZECHECKS_H

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
Value emitSizeCheck(ImplicitLocOpBuilder &b, Operation *op, Value found,
                    Value expected, StringRef what);

} // namespace mlir::moe

#endif // MOE_CONVERSION_SIZECHECKS_H
