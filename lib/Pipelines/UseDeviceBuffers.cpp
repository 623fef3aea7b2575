//===- UseDeviceBuffers.cpp - host buffers become device buffers ----------===//
//
// moe-use-device-buffers: memref.alloc / dealloc / copy in host functions
// become gpu.alloc / dealloc / memcpy.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOEUSEDEVICEBUFFERSPASS
#include "moe/Conversion/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

/// The allocation a buffer is a view of (or the buffer itself).
static Value rootBuffer(Value v) {
  while (auto view = v.getDefiningOp<ViewLikeOpInterface>())
    v = view.getViewSource();
  return v;
}

namespace {
/// The aligned pointer of a buffer's base buffer is the buffer's own (a
/// view shares its base's allocation; its offset is kept apart). Upstream's
/// lowering of bufferization.dealloc guards the dealloc of a returned
/// buffer's base by comparing the two; with this fold the guard is false.
struct AlignedPointerOfBase
    : OpRewritePattern<memref::ExtractAlignedPointerAsIndexOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(memref::ExtractAlignedPointerAsIndexOp op,
                                PatternRewriter &rewriter) const override {
    auto metadata =
        op.getSource().getDefiningOp<memref::ExtractStridedMetadataOp>();
    if (!metadata || op.getSource() != metadata.getBaseBuffer())
      return failure();
    rewriter.modifyOpInPlace(
        op, [&] { op.getSourceMutable().assign(metadata.getSource()); });
    return success();
  }
};

/// cmpi of a value with an equal one: the two aligned-pointer reads of one
/// buffer that AlignedPointerOfBase leaves.
struct CompareEqualPointers : OpRewritePattern<arith::CmpIOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::CmpIOp op,
                                PatternRewriter &rewriter) const override {
    auto lhs =
        op.getLhs().getDefiningOp<memref::ExtractAlignedPointerAsIndexOp>();
    auto rhs =
        op.getRhs().getDefiningOp<memref::ExtractAlignedPointerAsIndexOp>();
    if (!lhs || !rhs || lhs.getSource() != rhs.getSource() ||
        (op.getPredicate() != arith::CmpIPredicate::ne &&
         op.getPredicate() != arith::CmpIPredicate::eq))
      return failure();
    rewriter.replaceOpWithNewOp<arith::ConstantIntOp>(
        op, op.getPredicate() == arith::CmpIPredicate::eq, 1);
    return success();
  }
};

struct MoEUseDeviceBuffersPass
    : moe::impl::MoEUseDeviceBuffersPassBase<MoEUseDeviceBuffersPass> {
  void runOnOperation() override;
  LogicalResult checkHostCode(func::FuncOp func);
};
} // namespace

LogicalResult MoEUseDeviceBuffersPass::checkHostCode(func::FuncOp func) {
  if (!func.getBody().hasOneBlock())
    return func.emitError() << "expected straight-line host code for a GPU "
                               "target (one block), got "
                            << func.getBody().getBlocks().size() << " blocks";
  // What is left on the host must not touch buffer contents: they are in
  // device memory (host globals, such as the run-time check state, are
  // not).
  WalkResult hostAccess = func.walk([&](Operation *op) {
    if (!isa<memref::LoadOp, memref::StoreOp, vector::LoadOp, vector::StoreOp,
             affine::AffineLoadOp, affine::AffineStoreOp>(op) ||
        op->getParentOfType<gpu::LaunchOp>())
      return WalkResult::advance();
    auto buffer = llvm::find_if(op->getOperands(), [](Value v) {
      return isa<MemRefType>(v.getType());
    });
    if (buffer != op->operand_end() &&
        rootBuffer(*buffer).getDefiningOp<memref::GetGlobalOp>())
      return WalkResult::advance();
    op->emitOpError() << "reads or writes a buffer on the host; expected "
                         "every access to run in a kernel for a GPU target";
    return WalkResult::interrupt();
  });
  return failure(hostAccess.wasInterrupted());
}

void MoEUseDeviceBuffersPass::runOnOperation() {
  func::FuncOp func = getOperation();
  if (func.isExternal())
    return;
  if (failed(checkHostCode(func)))
    return signalPassFailure();
  RewritePatternSet folds(&getContext());
  folds.add<AlignedPointerOfBase, CompareEqualPointers>(&getContext());
  scf::IfOp::getCanonicalizationPatterns(folds, &getContext());
  if (failed(applyPatternsGreedily(func, std::move(folds))))
    return signalPassFailure();
  SmallVector<Operation *> ops;
  func.walk([&](Operation *op) {
    if (isa<memref::AllocOp, memref::DeallocOp, memref::CopyOp>(op))
      ops.push_back(op);
  });
  for (Operation *op : ops) {
    OpBuilder b(op);
    Location loc = op->getLoc();
    if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
      auto device = gpu::AllocOp::create(
          b, loc, alloc.getType(), /*asyncToken=*/Type(), ValueRange{},
          alloc.getDynamicSizes(), alloc.getSymbolOperands());
      alloc.replaceAllUsesWith(device.getMemref());
    } else if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
      gpu::DeallocOp::create(b, loc, Type(), ValueRange{}, dealloc.getMemref());
    } else {
      auto copy = cast<memref::CopyOp>(op);
      gpu::MemcpyOp::create(b, loc, Type(), ValueRange{}, copy.getTarget(),
                            copy.getSource());
    }
    op->erase();
  }
}
