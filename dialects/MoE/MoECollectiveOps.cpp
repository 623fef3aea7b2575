//===- MoECollectiveOps.cpp - verifiers of the collective ops -------------===//
//
// Checks that each collective names a group of the layout and fits its size.
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/MoE/MoE.h"

#include "ShapeChecks.h"

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::detail;

LogicalResult AllReduceOp::verify() {
  return lookupGroupSize(*this, getGroup());
}

/// Checks a gather/scatter along `dim`: result dim = input dim * `factor`
/// (gather) or input dim / `factor` (scatter), other dims unchanged.
static LogicalResult verifyAlongDim(Operation *op, Value input, Value result,
                                    int64_t dim, StringRef group,
                                    int64_t groupSize, bool gather) {
  auto inType = cast<RankedTensorType>(input.getType());
  auto outType = cast<RankedTensorType>(result.getType());
  if (dim < 0 || dim >= inType.getRank())
    return op->emitOpError() << "expected 'dim' in [0, " << inType.getRank()
                             << "), got " << dim;
  if (outType.getRank() != inType.getRank())
    return op->emitOpError() << "expected 'result' of rank "
                             << inType.getRank() << " like the input, got rank "
                             << outType.getRank();
  if (failed(checkElementType(op, "result", result, inType.getElementType(),
                              "like the input")))
    return failure();
  for (int64_t d = 0; d < inType.getRank(); ++d) {
    if (d != dim && failed(checkDim(op, "result", result, d,
                                    inType.getDimSize(d), "like the input")))
      return failure();
  }
  int64_t size = inType.getDimSize(dim);
  std::string why = ("group '" + group + "' has " + Twine(groupSize) +
                     " ranks").str();
  if (gather)
    return checkDim(op, "result", result, dim, mulSizes(size, groupSize),
                    "input dim x " + why);
  if (!ShapedType::isDynamic(size) && size % groupSize != 0)
    return op->emitOpError() << "expected dim " << dim << " of 'input' ("
                             << size << ") to be divisible by the size of "
                             << why;
  return checkDim(op, "result", result, dim,
                  ShapedType::isDynamic(size) ? size : size / groupSize,
                  "input dim / " + why);
}

LogicalResult AllGatherOp::verify() {
  FailureOr<int64_t> size = lookupGroupSize(*this, getGroup());
  if (failed(size))
    return failure();
  return verifyAlongDim(*this, getInput(), getResult(), getDimAttr().getInt(), getGroup(),
                        *size, /*gather=*/true);
}

LogicalResult ReduceScatterOp::verify() {
  FailureOr<int64_t> size = lookupGroupSize(*this, getGroup());
  if (failed(size))
    return failure();
  return verifyAlongDim(*this, getInput(), getResult(), getDimAttr().getInt(), getGroup(),
                        *size, /*gather=*/false);
}

LogicalResult AllToAllOp::verify() {
  Operation *op = getOperation();
  FailureOr<int64_t> size = lookupGroupSize(op, getGroup());
  if (failed(size))
    return failure();
  auto inType = getInput().getType(), outType = getResult().getType();
  if (inType.getRank() < 1)
    return emitOpError() << "expected 'input' of rank >= 1 (rows first), got "
                            "a 0-d tensor";
  std::string why = ("one count per rank of group '" + getGroup() + "'").str();
  if (failed(checkExactShape(op, "send_counts", getSendCounts(), {*size},
                             why)) ||
      failed(checkExactShape(op, "recv_counts", getRecvCounts(), {*size},
                             why)))
    return failure();
  if (outType.getRank() != inType.getRank())
    return emitOpError() << "expected 'result' of rank " << inType.getRank()
                         << " like the input, got rank " << outType.getRank();
  for (int64_t d = 1; d < inType.getRank(); ++d)
    if (failed(checkDim(op, "result", getResult(), d, inType.getDimSize(d),
                        "like the input")))
      return failure();
  return checkElementType(op, "result", getResult(), inType.getElementType(),
                          "like the input");
}

LogicalResult AllReduceAddRMSNormOp::verify() {
  if (failed(lookupGroupSize(*this, getGroup())))
    return failure();
  return checkRMSNorm(*this, getX(), getWeight(),
                      getEpsilon().convertToFloat(),
                      getOffset().convertToFloat());
}
