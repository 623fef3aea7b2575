//===- MoEDialect.cpp - the moe dialect -----------------------------------===//
//
// Registers the moe dialect's ops and attributes and verifies the layout attribute.
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/MoE/MoE.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::moe;

#include "MoE/MoEDialect.cpp.inc"

void MoEDialect::initialize() {
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "MoE/MoEOps.cpp.inc"
      >();
}

LogicalResult MoEDialect::verifyOperationAttribute(Operation *op,
                                                   NamedAttribute attr) {
  if (attr.getName() == getCheckMessagesAttrName()) {
    auto list = dyn_cast<ArrayAttr>(attr.getValue());
    if (!isa<ModuleOp>(op) || !list ||
        !llvm::all_of(list, [](Attribute a) { return isa<StringAttr>(a); }))
      return op->emitError() << "expected '" << getCheckMessagesAttrName()
                             << "' to be an array of strings on a module";
    return success();
  }
  if (attr.getName() == getDynamicSharedBytesAttrName()) {
    auto bytes = dyn_cast<IntegerAttr>(attr.getValue());
    if (!isa<FunctionOpInterface>(op) || !bytes ||
        !bytes.getType().isInteger(64) || bytes.getInt() < 0)
      return op->emitError()
             << "expected '" << getDynamicSharedBytesAttrName()
             << "' to be an i64 >= 0 on a function, got " << attr.getValue();
    return success();
  }
  if (attr.getName() == getTokenBucketAttrName()) {
    std::string why;
    if (!isa<FunctionOpInterface>(op))
      return op->emitError()
             << "expected '" << getTokenBucketAttrName()
             << "' on a function, got it on '" << op->getName() << "'";
    if (!parseTokenBucket(attr.getValue(), why))
      return op->emitError()
             << "expected '" << getTokenBucketAttrName() << "' to be " << why
             << ", got " << attr.getValue();
    return success();
  }
  if (attr.getName() != getParallelAttrName())
    return op->emitError() << "unknown moe attribute '"
                           << attr.getName().getValue() << "'; expected '"
                           << getParallelAttrName() << "', '"
                           << getCheckMessagesAttrName() << "', '"
                           << getDynamicSharedBytesAttrName() << "' or '"
                           << getTokenBucketAttrName() << "'";
  if (!isa<ParallelAttr>(attr.getValue()))
    return op->emitError() << "expected '" << getParallelAttrName()
                           << "' to be a #moe.parallel layout, got "
                           << attr.getValue();
  if (!isa<ModuleOp, FunctionOpInterface>(op))
    return op->emitError() << "expected '" << getParallelAttrName()
                           << "' on a module or function, got it on '"
                           << op->getName() << "'";
  return success();
}

FailureOr<int64_t> mlir::moe::lookupGroupSize(Operation *op, StringRef group) {
  for (Operation *p = op->getParentOp(); p; p = p->getParentOp()) {
    auto layout = p->getAttrOfType<ParallelAttr>(MoEDialect::getParallelAttrName());
    if (!layout)
      continue;
    if (std::optional<int64_t> size = layout.getGroupSize(group))
      return *size;
    std::string known;
    llvm::raw_string_ostream os(known);
    llvm::interleaveComma(layout.getNames(), os,
                          [&](StringAttr n) { os << "'" << n.getValue() << "'"; });
    return op->emitOpError() << "expected group '" << group
                             << "' in the enclosing layout " << layout
                             << " (groups: " << known << ")";
  }
  return op->emitOpError()
         << "expected an enclosing '" << MoEDialect::getParallelAttrName()
         << "' layout (on the module or function) that defines group '"
         << group << "'";
}

LogicalResult MoEDialect::verifyRegionArgAttribute(Operation *op,
                                                   unsigned regionIndex,
                                                   unsigned argIndex,
                                                   NamedAttribute attr) {
  // A declaration has no region arguments: its type says what they are.
  Region &region = op->getRegion(regionIndex);
  auto function = dyn_cast<FunctionOpInterface>(op);
  Type type = function         ? function.getArgumentTypes()[argIndex]
              : region.empty() ? Type()
                               : region.getArgument(argIndex).getType();
  if (!type)
    return op->emitError() << "expected moe argument attributes on a "
                              "function or a region with arguments";
  if (attr.getName() == getTokensAttrName()) {
    // A tensor, or the buffer it became.
    auto shaped = dyn_cast<ShapedType>(type);
    if (!isa<UnitAttr>(attr.getValue()) || !shaped || !shaped.hasRank() ||
        shaped.getRank() == 0)
      return op->emitError() << "expected '" << getTokensAttrName()
                             << "' to be a unit attribute on a ranked tensor "
                                "or memref argument of rank >= 1, got it on "
                                "argument #"
                             << argIndex << " of type " << type;
    return success();
  }
  if (attr.getName() != getEPRankAttrName())
    return op->emitError() << "unknown moe argument attribute '"
                           << attr.getName().getValue() << "'; expected '"
                           << getEPRankAttrName() << "' or '"
                           << getTokensAttrName() << "'";
  if (!isa<UnitAttr>(attr.getValue()) || !type.isIndex())
    return op->emitError() << "expected '" << getEPRankAttrName()
                           << "' to be a unit attribute on an index argument, "
                              "got it on argument #"
                           << argIndex << " of type " << type;
  return success();
}

std::optional<TokenBucket> mlir::moe::parseTokenBucket(Attribute attr,
                                                       std::string &why) {
  why = "a dictionary {of = @dispatcher, min = i64 >= 0, max = i64 >= min "
        "(optional), expected = i64 >= 1 in [min, max]}";
  auto dict = dyn_cast<DictionaryAttr>(attr);
  if (!dict)
    return std::nullopt;
  auto of = dict.getAs<FlatSymbolRefAttr>("of");
  auto min = dict.getAs<IntegerAttr>("min");
  auto max = dict.getAs<IntegerAttr>("max");
  auto expected = dict.getAs<IntegerAttr>("expected");
  size_t keys = 3 + (max ? 1 : 0);
  auto isI64 = [](IntegerAttr a) {
    return !a || a.getType().isSignlessInteger(64);
  };
  if (!of || !min || !expected || dict.size() != keys ||
      (dict.get("max") && !max) || !isI64(min) || !isI64(max) ||
      !isI64(expected))
    return std::nullopt;
  TokenBucket bucket;
  bucket.of = of.getValue().str();
  bucket.min = min.getInt();
  if (max)
    bucket.max = max.getInt();
  bucket.expected = expected.getInt();
  if (bucket.min < 0 || (bucket.max && *bucket.max < bucket.min) ||
      bucket.expected < std::max<int64_t>(bucket.min, 1) ||
      (bucket.max && bucket.expected > *bucket.max))
    return std::nullopt;
  return bucket;
}

DictionaryAttr mlir::moe::tokenBucketAttr(MLIRContext *ctx,
                                          const TokenBucket &bucket) {
  Builder b(ctx);
  SmallVector<NamedAttribute> fields = {
      b.getNamedAttr("of", FlatSymbolRefAttr::get(ctx, bucket.of)),
      b.getNamedAttr("min", b.getI64IntegerAttr(bucket.min)),
      b.getNamedAttr("expected", b.getI64IntegerAttr(bucket.expected))};
  if (bucket.max)
    fields.push_back(b.getNamedAttr("max", b.getI64IntegerAttr(*bucket.max)));
  return b.getDictionaryAttr(fields);
}

std::optional<TokenBucket> mlir::moe::enclosingTokenBucket(Operation *op) {
  auto func = isa<FunctionOpInterface>(op)
                  ? cast<FunctionOpInterface>(op)
                  : op->getParentOfType<FunctionOpInterface>();
  if (!func)
    return std::nullopt;
  Attribute attr = func->getAttr(MoEDialect::getTokenBucketAttrName());
  std::string why;
  return attr ? parseTokenBucket(attr, why) : std::nullopt;
}

int64_t mlir::moe::expectedTokens(Operation *op, int64_t fallback) {
  std::optional<TokenBucket> bucket = enclosingTokenBucket(op);
  return bucket ? bucket->expected : fallback;
}
