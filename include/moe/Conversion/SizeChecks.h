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
/// the module attribute MoEDialect::getCheckMessagesAttrName(). The host
/// library makes it thread-local, clears it when an entry is called and
/// copies it into the caller's status (HostLibrary.cpp), so that calls on
/// several threads at once each see their own checks.
inline constexpr llvm::StringLiteral kCheckStateSymbol = "moe_check_state";

/// The check state's words: {tag, v0, v1, v2}. Tag 0: every check passed;
/// tag id + 1: size check `id` failed with v0 = expected, v1 = found; tag
/// -(id + 1): route check `id` failed with v0 = the number of bad routes,
/// v1 = the first bad id, v2 = its token.
inline constexpr int64_t kCheckStateWords = 4;

/// Declares `memref.global "public" @moe_check_state : memref<4xi64>` in
/// `module` if missing.
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

/// A run-time check that no route of `op` has an expert id outside the
/// range `what` names ("route ids outside [0, 128)"): `count` is the number
/// of such routes, `firstId` and `firstToken` the id and token of the first
/// (integer or index values). The runtime reports "OP at FILE:LINE:COL:
/// COUNT route ids outside [0, 128), first ID at token T".
/// The name of a route check of ids in [0, bound) (only id >= 0 without a
/// bound): "route ids outside [0, 128)" or "negative route ids".
std::string describeRouteIdRange(std::optional<int64_t> bound);

/// Adds a route check of `op` named `what` to the module's check messages
/// and returns its tag, -(id + 1), for a check that a kernel records
/// (moe.align's on a GPU).
int64_t declareRouteCheck(OpBuilder &b, Operation *op, StringRef what);

void emitRouteRangeCheck(ImplicitLocOpBuilder &b, Operation *op, Value count,
                         Value firstId, Value firstToken, StringRef what);

/// The (found, expected) index values of `relation` between `operands`
/// (tensors or memrefs); static sizes are constants.
std::pair<Value, Value>
materializeSizeRelation(ImplicitLocOpBuilder &b, ValueRange operands,
                        const OperandSizeRelation &relation);

/// Replaces every moe.check_size in `module` by its run-time check.
void lowerCheckSizeOps(ModuleOp module);

} // namespace mlir::moe

#endif // MOE_CONVERSION_SIZECHECKS_H
