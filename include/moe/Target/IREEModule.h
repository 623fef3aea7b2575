//===- IREEModule.h - the host program as an IREE input module
//-------------===//
//
// moe-compile --emit=iree: the host functions of a GPU program (after kernel
// outlining: buffers, sizes, launches, calls) as tensor functions IREE
// takes as input, each launch a `hal.dispatch.extern` of the outlined
// kernel's code object (README "IREE").
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TARGET_IREEMODULE_H
#define MOE_TARGET_IREEMODULE_H

#include "moe/Target/Chip.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace mlir::moe {

/// The code object file of gpu.module `module` for `chip`, as the IREE
/// module names it (relative to --iree-hal-executable-object-search-path).
std::string ireeObjectPath(StringRef module, StringRef chip);

/// The IREE input module of `program`: a module after kernel outlining
/// whose host functions hold only scalar arithmetic, memref.alloc / dim /
/// dealloc, gpu.launch_func of kernels with constant workgroup sizes,
/// func.call, scf.if and the run-time size checks (which are left out:
/// IREE has no moe runtime to report them). Each host function becomes a
/// func.func on tensors; each launch a `hal.dispatch.extern` whose
/// arguments follow planIREEKernelABI, whose written buffers are results
/// tied to their arguments, and whose objects name the code object of the
/// kernel's gpu.module for each of `chips` (ireeObjectPath). Function names
/// (and calls) get `suffix` appended. The hal ops
/// are unregistered here (printed in generic form); the context must allow
/// unregistered dialects. Anything else is diagnosed on the op.
FailureOr<OwningOpRef<ModuleOp>>
buildIREEModule(ModuleOp program, ArrayRef<const ChipInfo *> chips,
                StringRef suffix = "");

} // namespace mlir::moe

#endif // MOE_TARGET_IREEMODULE_H
