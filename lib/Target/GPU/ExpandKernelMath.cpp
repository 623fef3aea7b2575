//===- ExpandKernelMath.cpp - erf as a polynomial in kernels --------------===//
//
// moe-expand-kernel-math: no device library call for erf.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/Passes.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOEEXPANDKERNELMATHPASS
#include "moe/Conversion/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;

namespace {
struct MoEExpandKernelMathPass
    : moe::impl::MoEExpandKernelMathPassBase<MoEExpandKernelMathPass> {
  void runOnOperation() override {
    RewritePatternSet erf(&getContext());
    populatePolynomialApproximateErfPattern(erf);
    if (failed(applyPatternsGreedily(getOperation(), std::move(erf))))
      signalPassFailure();
  }
};
} // namespace
