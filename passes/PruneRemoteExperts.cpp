//===- PruneRemoteExperts.cpp - expert parallelism without remote work ----===//
//
// Implements --moe-prune-remote-experts.
//
//===----------------------------------------------------------------------===//

#include "moe/Passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOEPRUNEREMOTEEXPERTSPASS
#include "passes/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

/// Makes the layout that `func`'s collectives see (its own, else the
/// module's) have an `ep` group of `epSize` ranks.
static LogicalResult ensureEPGroup(func::FuncOp func, int64_t epSize) {
  MLIRContext *ctx = func.getContext();
  StringRef key = MoEDialect::getParallelAttrName();
  Operation *holder = func;
  if (!func->hasAttr(key))
    holder = func->getParentOfType<ModuleOp>();
  SmallVector<StringAttr> names;
  SmallVector<int64_t> sizes;
  if (auto layout = holder->getAttrOfType<ParallelAttr>(key)) {
    if (std::optional<int64_t> ep = layout.getGroupSize("ep")) {
      if (*ep != epSize)
        return holder->emitError()
               << "expected the layout's 'ep' group to have ep-size = "
               << epSize << " ranks, got " << layout;
      return success();
    }
    names.append(layout.getNames().begin(), layout.getNames().end());
    sizes.append(layout.getSizes().begin(), layout.getSizes().end());
  }
  names.push_back(StringAttr::get(ctx, "ep"));
  sizes.push_back(epSize);
  holder->setAttr(key, ParallelAttr::get(ctx, names, sizes));
  return success();
}

/// The function's ep_rank argument, appended on first use.
static Value getOrAddRankArgument(func::FuncOp func) {
  for (BlockArgument arg : func.getArguments())
    if (func.getArgAttr(arg.getArgNumber(), MoEDialect::getEPRankAttrName()))
      return arg;
  OpBuilder b(func.getContext());
  unsigned index = func.getNumArguments();
  (void)func.insertArgument(index, b.getIndexType(),
                            b.getDictionaryAttr(b.getNamedAttr(
                                MoEDialect::getEPRankAttrName(), b.getUnitAttr())),
                            func.getLoc());
  return func.getArgument(index);
}

/// The local slice [begin, begin + local) of weight `w` along dim 0: the
/// argument itself, retyped, when only moe.experts ops read it; otherwise a
/// tensor.extract_slice.
static Value localWeights(RewriterBase &rewriter, func::FuncOp func, Value w,
                          Value begin, int64_t local) {
  auto type = cast<RankedTensorType>(w.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[0] = local;
  auto localType = RankedTensorType::get(shape, type.getElementType());
  auto arg = dyn_cast<BlockArgument>(w);
  bool onlyExperts = llvm::all_of(w.getUsers(), [](Operation *user) {
    return isa<ExpertsOp>(user);
  });
  if (arg && arg.getOwner() == &func.getBody().front() && onlyExperts) {
    if (arg.getType() != localType)
      arg.setType(localType);
    return arg;
  }
  SmallVector<OpFoldResult> offsets(type.getRank(), rewriter.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes, strides(type.getRank(),
                                           rewriter.getIndexAttr(1));
  offsets[0] = begin;
  for (int64_t d : shape)
    sizes.push_back(rewriter.getIndexAttr(d));
  return tensor::ExtractSliceOp::create(rewriter, w.getLoc(), localType, w,
                                        offsets, sizes, strides);
}

namespace {
struct MoEPruneRemoteExpertsPass
    : mlir::moe::impl::MoEPruneRemoteExpertsPassBase<
          MoEPruneRemoteExpertsPass> {
  using MoEPruneRemoteExpertsPassBase::MoEPruneRemoteExpertsPassBase;

  LogicalResult pruneFunction(func::FuncOp func, ArrayRef<ExpertsOp> ops) {
    if (!SymbolTable::symbolKnownUseEmpty(func, getOperation()))
      return func.emitError()
             << "cannot prune experts in '" << func.getSymName()
             << "': it has callers, and its signature changes (local weight "
                "slices and an ep_rank argument)";
    // Check every op before changing anything (weights may be shared).
    SmallVector<int64_t> localCounts;
    for (ExpertsOp op : ops) {
      std::string reason;
      if (failed(canExpandExperts(op, reason)))
        return op.emitOpError() << "cannot be pruned: " << reason;
      int64_t experts =
          cast<RankedTensorType>(op.getW1().getType()).getDimSize(0);
      if (experts % epSize != 0)
        return op.emitOpError()
               << "has " << experts << " experts, not divisible by ep-size = "
               << static_cast<int64_t>(epSize) << "; expected a multiple of "
               << static_cast<int64_t>(epSize);
      localCounts.push_back(experts / epSize);
    }
    if (reduce && failed(ensureEPGroup(func, epSize)))
      return failure();
    IRRewriter rewriter(&getContext());
    Value rank = getOrAddRankArgument(func);
    // A weight read by several experts ops is localized once.
    DenseMap<Value, Value> local;
    auto localize = [&](Value w, Value begin, int64_t count) {
      auto it = local.find(w);
      if (it != local.end())
        return it->second;
      return local[w] = localWeights(rewriter, func, w, begin, count);
    };
    for (size_t index = 0; index < ops.size(); ++index) {
      ExpertsOp op = ops[index];
      int64_t localCount = localCounts[index];
      rewriter.setInsertionPoint(op);
      // A rank outside [0, ep-size) would own no expert and give zeros.
      Value lastRank = arith::ConstantIndexOp::create(
          rewriter, op.getLoc(), static_cast<int64_t>(epSize) - 1);
      CheckSizeOp::create(
          rewriter, op.getLoc(), rank,
          arith::MinUIOp::create(rewriter, op.getLoc(), rank, lastRank),
          rewriter.getStringAttr(op->getName().getStringRef()),
          rewriter.getStringAttr(
              "the rank argument (moe.ep_rank) must be in [0, " +
              std::to_string(static_cast<int64_t>(epSize)) + ")"));
      Value begin = arith::MulIOp::create(
          rewriter, op.getLoc(), rank,
          arith::ConstantIndexOp::create(rewriter, op.getLoc(), localCount));
      // Scales have the experts' dim 0 in every scheme but per_tensor's
      // [E], which is sliced the same way.
      ExpertWeightValues w{localize(op.getW1(), begin, localCount),
                           localize(op.getW2(), begin, localCount)};
      if (op.hasQuantizedWeights()) {
        w.w1Scales = localize(op.getW1Scales(), begin, localCount);
        w.w2Scales = localize(op.getW2Scales(), begin, localCount);
      }
      // Biases have one row per expert.
      if (op.getW1Bias()) {
        w.w1Bias = localize(op.getW1Bias(), begin, localCount);
        w.w2Bias = localize(op.getW2Bias(), begin, localCount);
      }
      int64_t bm = op.getTileAttr() ? op.getTileAttr().getBlockM()
                                    : static_cast<int64_t>(blockM);
      FailureOr<ExpandedExperts> ex =
          buildExpandedExperts(rewriter, op, bm, localCount, begin, w,
                               localCount * static_cast<int64_t>(epSize));
      if (failed(ex))
        return op.emitOpError() << "cannot be expanded for pruning";
      Value result = ex->combine.getResult();
      if (reduce)
        result = AllReduceOp::create(rewriter, op.getLoc(), result.getType(),
                                     result, rewriter.getStringAttr("ep"));
      rewriter.replaceOp(op, result);
    }
    // The retyped arguments define the new signature.
    func.setType(FunctionType::get(&getContext(),
                                   func.getBody().getArgumentTypes(),
                                   func.getResultTypes()));
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (epSize < 1) {
      module.emitError() << "expected ep-size >= 1, got "
                         << static_cast<int64_t>(epSize);
      return signalPassFailure();
    }
    if (epSize == 1)
      return;
    for (auto func : llvm::to_vector(module.getOps<func::FuncOp>())) {
      SmallVector<ExpertsOp> ops;
      func.walk([&](ExpertsOp op) { ops.push_back(op); });
      if (ops.empty())
        continue;
      if (failed(pruneFunction(func, ops)))
        return signalPassFailure();
    }
  }
};
} // namespace
