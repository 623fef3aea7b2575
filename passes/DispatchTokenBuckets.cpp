//===- DispatchTokenBuckets.cpp - call the bucket of the run-time T -------===//
//
// Implements --moe-dispatch-token-buckets.
//
//===----------------------------------------------------------------------===//

#include "moe/Passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/CallInterfaces.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOEDISPATCHTOKENBUCKETSPASS
#include "passes/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

namespace {
/// One bucket function and its range.
struct Bucket {
  func::FuncOp func;
  TokenBucket range;
};

/// The call of `buckets[i]`, or of the first bucket whose range holds T:
/// `T <= max` picks it, the last bucket takes the rest.
ValueRange emitDispatch(OpBuilder &b, Location loc, ArrayRef<Bucket> buckets,
                        size_t i, Value tokens, ValueRange args,
                        TypeRange results) {
  auto call = [&](OpBuilder &builder) {
    return func::CallOp::create(builder, loc, buckets[i].func, args);
  };
  if (i + 1 == buckets.size())
    return call(b).getResults();
  Value max = arith::ConstantIndexOp::create(b, loc, *buckets[i].range.max);
  Value inBucket =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, tokens, max);
  auto branch = scf::IfOp::create(b, loc, results, inBucket,
                                  /*withElseRegion=*/true);
  // Without results the branches already end in their (empty) yield.
  bool yields = !results.empty();
  OpBuilder thenBuilder =
      yields ? branch.getThenBodyBuilder()
             : OpBuilder::atBlockTerminator(&branch.getThenRegion().front());
  ValueRange called = call(thenBuilder).getResults();
  if (yields)
    scf::YieldOp::create(thenBuilder, loc, called);
  OpBuilder elseBuilder =
      yields ? branch.getElseBodyBuilder()
             : OpBuilder::atBlockTerminator(&branch.getElseRegion().front());
  ValueRange rest =
      emitDispatch(elseBuilder, loc, buckets, i + 1, tokens, args, results);
  if (yields)
    scf::YieldOp::create(elseBuilder, loc, rest);
  return branch.getResults();
}

struct MoEDispatchTokenBucketsPass
    : mlir::moe::impl::MoEDispatchTokenBucketsPassBase<
          MoEDispatchTokenBucketsPass> {
  using Base::Base;

  /// Merges neighbours whose bodies are equal (their tiles and plans did
  /// not differ): the first takes the second's range and name by range.
  void mergeEqualNeighbours(SmallVector<Bucket> &buckets,
                            SymbolTable &symbols) {
    for (size_t i = 0; i + 1 < buckets.size();) {
      Bucket &a = buckets[i], &b = buckets[i + 1];
      if (!OperationEquivalence::isRegionEquivalentTo(
              &a.func.getBody(), &b.func.getBody(),
              OperationEquivalence::IgnoreLocations)) {
        ++i;
        continue;
      }
      a.range.max = b.range.max;
      a.range.expected = b.range.expected;
      symbols.erase(b.func);
      buckets.erase(buckets.begin() + i + 1);
    }
    for (Bucket &bucket : buckets) {
      bucket.func->setAttr(MoEDialect::getTokenBucketAttrName(),
                           tokenBucketAttr(&getContext(), bucket.range));
      std::string name = tokenBucketName(bucket.range);
      if (name != bucket.func.getSymName() && !symbols.lookup(name))
        (void)symbols.rename(bucket.func, name);
    }
  }

  LogicalResult dispatch(func::FuncOp dispatcher, SmallVector<Bucket> &buckets,
                         SymbolTable &symbols) {
    llvm::sort(buckets, [](const Bucket &a, const Bucket &b) {
      return a.range.min < b.range.min;
    });
    FunctionType type = buckets.front().func.getFunctionType();
    for (Bucket &bucket : buckets)
      if (bucket.func.getFunctionType() != type)
        return bucket.func.emitOpError()
               << "has the type " << bucket.func.getFunctionType()
               << "; expected every bucket of @" << dispatcher.getSymName()
               << " to have the type of @" << buckets.front().func.getSymName()
               << ", " << type;
    // Ranges in order, each starting after the last one's end; only the
    // last may be unbounded; a bucket does not dispatch to itself.
    for (auto [i, bucket] : llvm::enumerate(buckets)) {
      if (bucket.func == dispatcher)
        return bucket.func.emitOpError()
               << "is a token bucket of itself; expected another function";
      if (i + 1 == buckets.size())
        break;
      const TokenBucket &next = buckets[i + 1].range;
      if (!bucket.range.max || *bucket.range.max + 1 != next.min)
        return buckets[i + 1].func.emitOpError()
               << "has token bucket min = " << next.min
               << "; expected the buckets of @" << dispatcher.getSymName()
               << " to follow each other, this one at "
               << (bucket.range.max
                       ? std::to_string(*bucket.range.max + 1)
                       : std::string("none (@") +
                             bucket.func.getSymName().str() + " has no max)");
    }
    std::optional<unsigned> tokenArg;
    for (unsigned i = 0; i < type.getNumInputs(); ++i)
      if (buckets.front().func.getArgAttr(i, MoEDialect::getTokensAttrName()))
        tokenArg = i;
    if (!tokenArg)
      return buckets.front().func.emitOpError()
             << "has no argument marked '" << MoEDialect::getTokensAttrName()
             << "'; expected the argument whose dim 0 is T";
    // A caller of the dispatcher would not follow a signature that pruning
    // changed.
    std::optional<SymbolTable::UseRange> uses =
        SymbolTable::getSymbolUses(dispatcher, dispatcher->getParentOp());
    bool called = uses && llvm::any_of(*uses, [](SymbolTable::SymbolUse use) {
                    return isa<CallOpInterface>(use.getUser());
                  });
    if (dispatcher.getFunctionType() != type && called)
      return dispatcher.emitOpError()
             << "is called, and its token buckets have the type " << type
             << "; expected them to keep its type "
             << dispatcher.getFunctionType()
             << " (prune a function that has callers by hand)";
    if (merge)
      mergeEqualNeighbours(buckets, symbols);

    // The dispatcher takes the buckets' signature (pruning may have changed
    // it since the split) and calls the bucket that holds T.
    dispatcher.eraseBody();
    dispatcher.setFunctionType(type);
    dispatcher.setAllArgAttrs(buckets.front().func.getAllArgAttrs());
    dispatcher.setPublic();
    Block *entry = dispatcher.addEntryBlock();
    Location loc = dispatcher.getLoc();
    OpBuilder b = OpBuilder::atBlockBegin(entry);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value tokenRows = dispatcher.getArgument(*tokenArg);
    Value tokens =
        isa<MemRefType>(tokenRows.getType())
            ? memref::DimOp::create(b, loc, tokenRows, zero).getResult()
            : tensor::DimOp::create(b, loc, tokenRows, zero).getResult();
    ValueRange results = emitDispatch(b, loc, buckets, 0, tokens,
                                      entry->getArguments(), type.getResults());
    func::ReturnOp::create(b, loc, results);
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    // Buckets by dispatcher, in the order the dispatchers are first named
    // (malformed attributes were reported by the dialect's verifier).
    llvm::MapVector<StringAttr, SmallVector<Bucket>> byDispatcher;
    for (auto func : module.getOps<func::FuncOp>())
      if (std::optional<TokenBucket> range = enclosingTokenBucket(func))
        byDispatcher[StringAttr::get(&getContext(), range->of)].push_back(
            {func, *range});
    for (auto &[name, buckets] : byDispatcher) {
      auto dispatcher = symbols.lookup<func::FuncOp>(name);
      if (!dispatcher) {
        buckets.front().func.emitOpError()
            << "is a token bucket of @" << name.getValue()
            << "; expected a func.func of that name";
        return signalPassFailure();
      }
      if (failed(dispatch(dispatcher, buckets, symbols)))
        return signalPassFailure();
    }
  }
};
} // namespace
