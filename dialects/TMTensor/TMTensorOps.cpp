//===- TMTensorOps.cpp - the tm_tensor subset: dialect and verifiers ------===//
//
// Each verifier says what it expected and what it found.
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/TMTensor/TMTensor.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"

using namespace mlir;
using namespace mlir::moe::tm_tensor;

#include "TMTensor/TMTensorDialect.cpp.inc"

void TMTensorDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "TMTensor/TMTensorOps.cpp.inc"
      >();
}

#define GET_OP_CLASSES
#include "TMTensor/TMTensorOps.cpp.inc"

namespace {

Type elementOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getElementType();
}

/// The results have the types of `outs`.
LogicalResult checkResultsAreOuts(Operation *op, ValueRange outputs,
                                  TypeRange results) {
  if (TypeRange(outputs) == results)
    return success();
  InFlightDiagnostic diag = op->emitOpError()
                            << "expected results of the types of outs (";
  llvm::interleaveComma(TypeRange(outputs), diag);
  diag << "), got (";
  llvm::interleaveComma(results, diag);
  return diag << ")";
}

/// The region's block takes `args` and ends in a tm_tensor.yield of one
/// value of type `yielded`.
LogicalResult checkRegion(Operation *op, Region &region, TypeRange args,
                          Type yielded, StringRef what) {
  Block &block = region.front();
  if (block.getArgumentTypes() != args) {
    InFlightDiagnostic diag = op->emitOpError()
                              << "expected the region to take (";
    llvm::interleaveComma(args, diag);
    diag << ") " << what << ", got (";
    llvm::interleaveComma(block.getArgumentTypes(), diag);
    return diag << ")";
  }
  // (The op is verified before its blocks: the block may be empty.)
  auto yield = block.empty() ? YieldOp() : dyn_cast<YieldOp>(block.back());
  if (!yield)
    return op->emitOpError()
           << "expected the region to end in tm_tensor.yield, got "
           << (block.empty() ? StringRef("an empty block")
                             : block.back().getName().getStringRef());
  if (yield.getOperands().size() == 1 &&
      yield.getOperands()[0].getType() == yielded)
    return success();
  InFlightDiagnostic diag = op->emitOpError()
                            << "expected the region to yield one " << yielded
                            << ", got (";
  llvm::interleaveComma(yield.getOperands().getTypes(), diag);
  return diag << ")";
}

/// 0 <= dimension < rank.
LogicalResult checkDimension(Operation *op, int64_t dimension, int64_t rank) {
  if (dimension >= 0 && dimension < rank)
    return success();
  return op->emitOpError() << "expected 'dimension' in [0, " << rank
                           << ") (the rank of outs), got " << dimension;
}

/// The comparator of sort and topk: two elements of each of `values`.
SmallVector<Type> comparatorArgs(ValueRange values) {
  SmallVector<Type> args;
  for (Value v : values)
    args.append(2, elementOf(v));
  return args;
}

} // namespace

LogicalResult SortOp::verify() {
  Operation *op = getOperation();
  if (getOutputs().empty())
    return emitOpError() << "expected at least one tensor in outs";
  auto first = cast<RankedTensorType>(getOutputs()[0].getType());
  for (Value out : getOutputs().drop_front())
    if (cast<RankedTensorType>(out.getType()).getShape() != first.getShape())
      return emitOpError() << "expected every tensor in outs of the shape of "
                              "the first ("
                           << first << "), got " << out.getType();
  if (failed(checkDimension(op, getDimension(), first.getRank())) ||
      failed(checkResultsAreOuts(op, getOutputs(), getResultTypes())))
    return failure();
  Builder b(getContext());
  return checkRegion(op, getRegion(), comparatorArgs(getOutputs()),
                     b.getI1Type(), "(two elements of each tensor in outs)");
}

LogicalResult TopkOp::verify() {
  Operation *op = getOperation();
  if (getInputs().empty() || getInputs().size() > 2 || getOutputs().size() != 2)
    return emitOpError() << "expected ins (values[, indices]) and outs "
                            "(values, indices), got "
                         << getInputs().size() << " and "
                         << getOutputs().size();
  auto values = cast<RankedTensorType>(getOutputs()[0].getType());
  auto indices = cast<RankedTensorType>(getOutputs()[1].getType());
  if (values.getShape() != indices.getShape())
    return emitOpError() << "expected the indices in outs of the values' "
                            "shape ("
                         << values << "), got " << indices;
  if (!indices.getElementType().isInteger(32) &&
      !indices.getElementType().isInteger(64))
    return emitOpError() << "expected i32 or i64 indices, got "
                         << indices.getElementType();
  auto in = cast<RankedTensorType>(getInputs()[0].getType());
  if (in.getElementType() != values.getElementType() ||
      in.getRank() != values.getRank())
    return emitOpError() << "expected the values in outs of the element "
                            "type and rank of ins ("
                         << in << "), got " << values;
  if (failed(checkDimension(op, getDimension(), values.getRank())) ||
      failed(checkResultsAreOuts(op, getOutputs(), getResultTypes())))
    return failure();
  // Every dim but `dimension` is the same in ins and outs (when static).
  for (int64_t d = 0; d < values.getRank(); ++d)
    if (d != getDimension() && !in.isDynamicDim(d) && !values.isDynamicDim(d) &&
        in.getDimSize(d) != values.getDimSize(d))
      return emitOpError() << "expected dim " << d << " of outs to be "
                           << in.getDimSize(d) << " like ins, got "
                           << values.getDimSize(d);
  Builder b(getContext());
  return checkRegion(op, getRegion(),
                     {values.getElementType(), values.getElementType()},
                     b.getI1Type(), "(two values)");
}

LogicalResult ScatterOp::verify() {
  Operation *op = getOperation();
  if (getInputs().size() != 2 || getOutputs().size() != 1)
    return emitOpError() << "expected ins (updates, indices) and outs "
                            "(original), got "
                         << getInputs().size() << " and "
                         << getOutputs().size();
  auto updates = cast<RankedTensorType>(getInputs()[0].getType());
  auto indices = cast<RankedTensorType>(getInputs()[1].getType());
  auto original = cast<RankedTensorType>(getOutputs()[0].getType());
  // Updates are [N, slice...]: the slice is at most outs' rank.
  if (updates.getRank() < 1 || updates.getRank() - 1 > original.getRank())
    return emitOpError() << "expected updates of rank 1 to "
                         << original.getRank() + 1
                         << " ([N, slice...], the slice at most the rank of "
                            "outs), got "
                         << updates;
  if (!updates.isDynamicDim(0) && !indices.isDynamicDim(0) &&
      updates.getDimSize(0) != indices.getDimSize(0))
    return emitOpError() << "expected as many index tuples as updates ("
                         << updates.getDimSize(0) << "), got "
                         << indices.getDimSize(0);
  if (indices.getRank() != 2 || !isa<IntegerType>(indices.getElementType()))
    return emitOpError() << "expected integer indices [N, tuple], got "
                         << indices;
  ArrayRef<int64_t> map = getDimensionMap();
  if (!indices.isDynamicDim(1) &&
      indices.getDimSize(1) != static_cast<int64_t>(map.size()))
    return emitOpError() << "expected index tuples of " << map.size()
                         << " (the size of dimension_map), got "
                         << indices.getDimSize(1);
  for (int64_t d : map)
    if (d < 0 || d >= original.getRank())
      return emitOpError() << "expected dimension_map entries in [0, "
                           << original.getRank() << ") (the rank of outs), got "
                           << d;
  if (failed(checkResultsAreOuts(op, getOutputs(), getResultTypes())))
    return failure();
  Type updateType = elementOf(getInputs()[0]);
  return checkRegion(op, getRegion(), {updateType, original.getElementType()},
                     original.getElementType(), "(update, original)");
}
