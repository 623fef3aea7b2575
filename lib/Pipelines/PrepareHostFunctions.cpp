//===- PrepareHostFunctions.cpp - entry points ready for LLVM -------------===//
//
// moe-prepare-host-functions: C-interface wrappers for entry points, moe
// attributes dropped.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/Passes.h"
#include "moe/Dialect/MoE/MoE.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOEPREPAREHOSTFUNCTIONSPASS
#include "moe/Conversion/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

namespace {
struct MoEPrepareHostFunctionsPass
    : moe::impl::MoEPrepareHostFunctionsPassBase<MoEPrepareHostFunctionsPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      for (unsigned i = 0; i < func.getNumArguments(); ++i) {
        func.removeArgAttr(i, MoEDialect::getEPRankAttrName());
        func.removeArgAttr(i, MoEDialect::getTokensAttrName());
      }
      func->removeAttr(MoEDialect::getTokenBucketAttrName());
      if (func.isPublic() && !func.isExternal())
        func->setAttr("llvm.emit_c_interface", UnitAttr::get(&getContext()));
    }
  }
};
} // namespace
