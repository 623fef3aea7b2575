//===- Registration.h - dialects and passes of the moe tools ----*- C++ -*-===//
//
// One place that registers what moe-opt and moe-compile understand.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_REGISTRATION_H
#define MOE_REGISTRATION_H

#include "mlir/IR/DialectRegistry.h"

namespace mlir::moe {

/// The moe dialect plus every upstream dialect with its interface models
/// (bufferization, inlining, LLVM translation), as mlir-opt has them.
void registerMoEAndUpstreamDialects(DialectRegistry &registry);

/// The moe passes plus every upstream pass.
void registerMoEAndUpstreamPasses();

} // namespace mlir::moe

#endif // MOE_REGISTRATION_H
