//===- MoEOps.cpp - generated op definitions of the moe dialect -----------===//
//
// Instantiates the ODS op classes and the custom assembly pieces they use.
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/MoE/MoE.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::moe;

/// Parses the optional `groups N keep M` clause of moe.gate.
static ParseResult parseExpertGroups(OpAsmParser &parser, IntegerAttr &nGroup,
                                     IntegerAttr &topkGroup) {
  if (failed(parser.parseOptionalKeyword("groups")))
    return success();
  int64_t groups, keep;
  if (parser.parseInteger(groups) || parser.parseKeyword("keep") ||
      parser.parseInteger(keep))
    return failure();
  Builder b(parser.getContext());
  nGroup = b.getI64IntegerAttr(groups);
  topkGroup = b.getI64IntegerAttr(keep);
  return success();
}

static void printExpertGroups(OpAsmPrinter &printer, Operation *,
                              IntegerAttr nGroup, IntegerAttr topkGroup) {
  if (nGroup && topkGroup)
    printer << "groups " << nGroup.getInt() << " keep " << topkGroup.getInt();
}

#include "MoE/MoEInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "MoE/MoEOps.cpp.inc"
