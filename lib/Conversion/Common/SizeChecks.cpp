//===- SizeChecks.cpp - run-time size checks of compiled programs ---------===//
//
// Emits run-time checks that record the first failure in a thread-local host
// state, which each entry call hands to its caller (HostLibrary.cpp).
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/SizeChecks.h"

#include "moe/Dialect/MoE/MoE.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace mlir::moe;

void mlir::moe::declareCheckState(ModuleOp module) {
  if (module.lookupSymbol(kCheckStateSymbol))
    return;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto type = MemRefType::get({kCheckStateWords}, b.getI64Type());
  memref::GlobalOp::create(
      b, module.getLoc(), kCheckStateSymbol, b.getStringAttr("public"), type,
      DenseElementsAttr::get(
          RankedTensorType::get({kCheckStateWords}, b.getI64Type()),
          b.getI64IntegerAttr(0).getValue()),
      /*constant=*/false, /*alignment=*/IntegerAttr());
}

/// Appends "OP at FILE:LINE:COL: `what`" to the module's check messages and
/// returns its id.
static int64_t addCheckMessage(OpBuilder &b, Operation *op, StringRef what,
                               StringRef opName) {
  auto module = op->getParentOfType<ModuleOp>();
  SmallVector<Attribute> messages;
  if (auto list = module->getAttrOfType<ArrayAttr>(
          MoEDialect::getCheckMessagesAttrName()))
    messages.assign(list.begin(), list.end());
  std::string text;
  llvm::raw_string_ostream os(text);
  if (opName.empty())
    os << op->getName();
  else
    os << opName;
  os << " at ";
  if (auto fileLoc = op->getLoc()->findInstanceOf<FileLineColLoc>())
    os << fileLoc.getFilename().getValue() << ":" << fileLoc.getLine() << ":"
       << fileLoc.getColumn();
  else
    os << op->getLoc();
  os << ": " << what;
  int64_t id = messages.size();
  messages.push_back(b.getStringAttr(text));
  module->setAttr(MoEDialect::getCheckMessagesAttrName(),
                  b.getArrayAttr(messages));
  return id;
}

/// When `failed` (i1) holds and no check failed before in this call, stores
/// `tag` then `values` (index or integer values) into the check state.
static void recordFailure(ImplicitLocOpBuilder &b, Value failed, int64_t tag,
                          ValueRange values) {
  auto ifOp = scf::IfOp::create(b, failed, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&ifOp.getThenRegion().front());
  auto type = MemRefType::get({kCheckStateWords}, b.getI64Type());
  Value state = memref::GetGlobalOp::create(b, type, kCheckStateSymbol);
  auto slot = [&](int64_t i) {
    return arith::ConstantIndexOp::create(b, i).getResult();
  };
  Value first = memref::LoadOp::create(b, state, ValueRange{slot(0)});
  Value i64Zero = arith::ConstantOp::create(b, b.getI64IntegerAttr(0));
  Value isFirst =
      arith::CmpIOp::create(b, arith::CmpIPredicate::eq, first, i64Zero);
  auto record = scf::IfOp::create(b, isFirst, /*withElseRegion=*/false);
  b.setInsertionPointToStart(&record.getThenRegion().front());
  auto toI64 = [&](Value v) -> Value {
    if (v.getType().isIndex())
      return arith::IndexCastOp::create(b, b.getI64Type(), v);
    if (v.getType().getIntOrFloatBitWidth() < 64)
      return arith::ExtSIOp::create(b, b.getI64Type(), v);
    return v;
  };
  memref::StoreOp::create(
      b, arith::ConstantOp::create(b, b.getI64IntegerAttr(tag)), state,
      ValueRange{slot(0)});
  for (auto [i, v] : llvm::enumerate(values))
    memref::StoreOp::create(b, toI64(v), state, ValueRange{slot(i + 1)});
}

Value mlir::moe::emitSizeCheck(ImplicitLocOpBuilder &b, Operation *op,
                               Value found, Value expected, StringRef what,
                               StringRef opName) {
  // Static sizes were checked by the verifier; a size compared with itself
  // needs no check either.
  std::optional<int64_t> f = getConstantIntValue(found),
                         e = getConstantIntValue(expected);
  if (found == expected || (f && e && *f == *e))
    return arith::ConstantOp::create(b, b.getBoolAttr(true));
  int64_t id = addCheckMessage(b, op, what, opName);
  Value ok =
      arith::CmpIOp::create(b, arith::CmpIPredicate::eq, found, expected);
  Value bad = arith::XOrIOp::create(
      b, ok, arith::ConstantOp::create(b, b.getBoolAttr(true)));
  recordFailure(b, bad, id + 1, {expected, found});
  return ok;
}

std::string mlir::moe::describeRouteIdRange(std::optional<int64_t> bound) {
  if (!bound)
    return "negative route ids";
  return "route ids outside [0, " + std::to_string(*bound) + ")";
}

int64_t mlir::moe::declareRouteCheck(OpBuilder &b, Operation *op,
                                     StringRef what) {
  declareCheckState(op->getParentOfType<ModuleOp>());
  return -(addCheckMessage(b, op, what, /*opName=*/{}) + 1);
}

void mlir::moe::emitRouteRangeCheck(ImplicitLocOpBuilder &b, Operation *op,
                                    Value count, Value firstId,
                                    Value firstToken, StringRef what) {
  int64_t tag = declareRouteCheck(b, op, what);
  Value zero = arith::ConstantOp::create(b, b.getZeroAttr(count.getType()));
  Value bad = arith::CmpIOp::create(b, arith::CmpIPredicate::ne, count, zero);
  recordFailure(b, bad, tag, {count, firstId, firstToken});
}

std::pair<Value, Value>
mlir::moe::materializeSizeRelation(ImplicitLocOpBuilder &b, ValueRange operands,
                                   const OperandSizeRelation &relation) {
  auto size = [&](unsigned operand, unsigned dim) {
    Value v = operands[operand];
    OpFoldResult s = isa<MemRefType>(v.getType())
                         ? memref::getMixedSize(b, b.getLoc(), v, dim)
                         : tensor::getMixedSize(b, b.getLoc(), v, dim);
    return getValueOrCreateConstantIndexOp(b, b.getLoc(), s);
  };
  Value expected = size(relation.expected, relation.expectedDim);
  if (relation.divisor != 1)
    expected = b.createOrFold<arith::DivUIOp>(
        expected, arith::ConstantIndexOp::create(b, relation.divisor));
  return {size(relation.found, relation.foundDim), expected};
}

void mlir::moe::lowerCheckSizeOps(ModuleOp module) {
  SmallVector<CheckSizeOp> checks;
  module.walk([&](CheckSizeOp op) { checks.push_back(op); });
  if (checks.empty())
    return;
  declareCheckState(module);
  for (CheckSizeOp op : checks) {
    ImplicitLocOpBuilder b(op.getLoc(), op);
    emitSizeCheck(b, op, op.getFound(), op.getExpected(), op.getMessage(),
                  op.getOpName());
    op.erase();
  }
}
