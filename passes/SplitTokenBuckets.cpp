//===- SplitTokenBuckets.cpp - one copy of a function per token bucket ----===//
//
// Implements --moe-split-token-buckets.
//
//===----------------------------------------------------------------------===//

#include "moe/Passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOESPLITTOKENBUCKETSPASS
#include "passes/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

SmallVector<TokenBucket> mlir::moe::tokenBuckets(int64_t minTokens,
                                                 int64_t maxTokens) {
  // The largest T of each bucket; the last one has no bound and is planned
  // for T = 4096 (or its least T when that is larger).
  static constexpr int64_t kEdges[] = {1, 4, 16, 64, 256, 1024};
  static constexpr int64_t kUnboundedExpected = 4096;
  SmallVector<TokenBucket> buckets;
  int64_t lo = 1;
  auto add = [&](int64_t min, std::optional<int64_t> max) {
    TokenBucket bucket;
    bucket.min = std::max(min, minTokens);
    if (maxTokens > 0)
      max = max ? std::min(*max, maxTokens) : maxTokens;
    if (max && *max < bucket.min)
      return;
    bucket.max = max;
    bucket.expected = max ? *max : std::max(kUnboundedExpected, bucket.min);
    buckets.push_back(bucket);
  };
  for (int64_t edge : kEdges) {
    add(lo, edge);
    lo = edge + 1;
  }
  add(lo, std::nullopt);
  return buckets;
}

/// The value whose dim 0 is the token count of `op`, or null when `op` does
/// not need one (a static T, or no tile to select).
static Value tokenRows(Operation *op) {
  Value rows;
  if (auto experts = dyn_cast<ExpertsOp>(op))
    rows = experts.getX();
  else if (auto gemm = dyn_cast<GroupedMatmulOp>(op);
           gemm && gemm.getRows() == RowSource::Tokens)
    rows = gemm.getA();
  auto type = rows ? dyn_cast<RankedTensorType>(rows.getType()) : nullptr;
  return type && type.isDynamicDim(0) ? rows : Value();
}

/// The argument `rows` comes from through ops whose first tensor operand
/// with a dynamic dim 0 keeps it (norms, collectives, elementwise ops), or
/// the op where the trail ends.
static FailureOr<BlockArgument> tokenArgument(func::FuncOp func, Value rows,
                                              Operation *user) {
  Value v = rows;
  while (Operation *def = v.getDefiningOp()) {
    auto next = llvm::find_if(def->getOperands(), [](Value operand) {
      auto type = dyn_cast<RankedTensorType>(operand.getType());
      return type && type.getRank() > 0 && type.isDynamicDim(0);
    });
    if (next == def->operand_end())
      return user->emitOpError()
             << "has a dynamic token count computed by '" << def->getName()
             << "'; expected it to be dim 0 of an argument of @"
             << func.getSymName()
             << " (or a token count: moe-compile --tokens=N)";
    v = *next;
  }
  auto arg = cast<BlockArgument>(v);
  if (arg.getOwner()->getParentOp() != func)
    return user->emitOpError()
           << "has a dynamic token count from a block "
              "argument inside @"
           << func.getSymName() << "; expected an argument of the function";
  return arg;
}

std::string mlir::moe::tokenBucketName(const TokenBucket &bucket) {
  std::string name = bucket.of + "__t" + std::to_string(bucket.min);
  if (!bucket.max)
    return name + "_up";
  if (*bucket.max != bucket.min)
    name += "_" + std::to_string(*bucket.max);
  return name;
}

namespace {
struct MoESplitTokenBucketsPass
    : mlir::moe::impl::MoESplitTokenBucketsPassBase<MoESplitTokenBucketsPass> {
  using Base::Base;

  LogicalResult split(func::FuncOp func, SymbolTable &symbols) {
    Operation *user = nullptr;
    Value rows;
    func.walk([&](Operation *op) {
      if (Value v = tokenRows(op)) {
        rows = v;
        user = op;
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (!rows)
      return success(); // nothing to plan by T
    FailureOr<BlockArgument> arg = tokenArgument(func, rows, user);
    if (failed(arg))
      return failure();
    SmallVector<TokenBucket> buckets = tokenBuckets(minTokens, maxTokens);
    MLIRContext *ctx = &getContext();
    func.setArgAttr(arg->getArgNumber(), MoEDialect::getTokensAttrName(),
                    UnitAttr::get(ctx));
    Operation *after = func;
    for (TokenBucket &bucket : buckets) {
      bucket.of = func.getSymName().str();
      auto copy = cast<func::FuncOp>(func->clone());
      copy.setSymName(tokenBucketName(bucket));
      copy.setPrivate();
      copy->setAttr(MoEDialect::getTokenBucketAttrName(),
                    tokenBucketAttr(ctx, bucket));
      symbols.insert(copy, std::next(Block::iterator(after)));
      after = copy;
    }
    // The dispatcher's body comes with moe-dispatch-token-buckets, once the
    // buckets have their final signature.
    func.eraseBody();
    func.setPrivate();
    return success();
  }

  void runOnOperation() override {
    if (minTokens < 1 || maxTokens < 0 ||
        (maxTokens > 0 && maxTokens < minTokens)) {
      getOperation().emitError()
          << "expected 1 <= min-tokens <= max-tokens (max-tokens 0: no "
             "bound), got min-tokens="
          << static_cast<int64_t>(minTokens)
          << " max-tokens=" << static_cast<int64_t>(maxTokens);
      return signalPassFailure();
    }
    SymbolTable symbols(getOperation());
    for (auto func : llvm::to_vector(getOperation().getOps<func::FuncOp>()))
      if (func.isPublic() && !func.isExternal() &&
          !func->hasAttr(MoEDialect::getTokenBucketAttrName()) &&
          failed(split(func, symbols)))
        return signalPassFailure();
  }
};
} // namespace
