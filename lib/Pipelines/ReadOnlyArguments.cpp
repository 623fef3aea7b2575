//===- ReadOnlyArguments.cpp - host operands are the caller's -------------===//
//
// moe-read-only-arguments: bufferization.writable = false on the tensor
// arguments of host functions.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/Passes.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOEREADONLYARGUMENTSPASS
#include "moe/Conversion/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;

namespace {
struct MoEReadOnlyArgumentsPass
    : moe::impl::MoEReadOnlyArgumentsPassBase<MoEReadOnlyArgumentsPass> {
  void runOnOperation() override {
    auto notWritable = BoolAttr::get(&getContext(), false);
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      for (unsigned i = 0; i < func.getNumArguments(); ++i)
        if (isa<TensorType>(func.getArgument(i).getType()))
          func.setArgAttr(
              i, bufferization::BufferizationDialect::kWritableAttrName,
              notWritable);
    }
  }
};
} // namespace
