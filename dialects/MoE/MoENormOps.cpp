//===- MoENormOps.cpp - verifiers of the RMSNorm ops ----------------------===//
//
// Checks moe.rms_norm and moe.add_rms_norm.
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/MoE/MoE.h"

#include "ShapeChecks.h"

using namespace mlir;
using namespace mlir::moe;

LogicalResult RMSNormOp::verify() {
  return detail::checkRMSNorm(*this, getX(), getWeight(),
                              getEpsilon().convertToFloat(),
                              getOffset().convertToFloat());
}

LogicalResult AddRMSNormOp::verify() {
  return detail::checkRMSNorm(*this, getX(), getWeight(),
                              getEpsilon().convertToFloat(),
                              getOffset().convertToFloat());
}
