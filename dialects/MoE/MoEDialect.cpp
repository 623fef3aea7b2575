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
  if (attr.getName() != getParallelAttrName())
    return op->emitError() << "unknown moe attribute '"
                           << attr.getName().getValue() << "'; expected '"
                           << getParallelAttrName() << "', '"
                           << getCheckMessagesAttrName() << "' or '"
                           << getDynamicSharedBytesAttrName() << "'";
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
  if (attr.getName() != getEPRankAttrName())
    return op->emitError() << "unknown moe argument attribute '"
                           << attr.getName().getValue() << "'; expected '"
                           << getEPRankAttrName() << "'";
  Type type = op->getRegion(regionIndex).getArgument(argIndex).getType();
  if (!isa<UnitAttr>(attr.getValue()) || !type.isIndex())
    return op->emitError() << "expected '" << getEPRankAttrName()
                           << "' to be a unit attribute on an index argument, "
                              "got it on argument #"
                           << argIndex << " of type " << type;
  return success();
}
