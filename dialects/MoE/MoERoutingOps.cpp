//===- MoERoutingOps.cpp - verifiers of moe.gate and moe.align ------------===//
//
// Checks the shapes and routing options of the router and of route alignment.
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/MoE/MoE.h"

#include "ShapeChecks.h"

#include "llvm/Support/MathExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::detail;

//===----------------------------------------------------------------------===//
// GateOp
//===----------------------------------------------------------------------===//

/// Checks the `groups N keep M` options against `numExperts` and `topK`.
static LogicalResult verifyExpertGroups(GateOp op, int64_t numExperts,
                                        int64_t topK) {
  std::optional<int64_t> nGroup, keep;
  if (IntegerAttr attr = op.getNGroupAttr())
    nGroup = attr.getInt();
  if (IntegerAttr attr = op.getTopkGroupAttr())
    keep = attr.getInt();
  if (nGroup.has_value() != keep.has_value())
    return op.emitOpError()
           << "expected 'n_group' and 'topk_group' together (groups N keep M)";
  if (!nGroup)
    return success();
  if (*nGroup < 1)
    return op.emitOpError() << "expected 'n_group' >= 1, got " << *nGroup;
  if (*keep < 1 || *keep > *nGroup)
    return op.emitOpError() << "expected 'topk_group' in [1, n_group = "
                            << *nGroup << "], got " << *keep;
  if (ShapedType::isDynamic(numExperts))
    return success();
  if (numExperts % *nGroup != 0)
    return op.emitOpError() << "expected 'n_group' (" << *nGroup
                            << ") to divide the number of experts ("
                            << numExperts << ")";
  int64_t perGroup = numExperts / *nGroup;
  if (perGroup < 2)
    return op.emitOpError()
           << "expected at least 2 experts per group (a group scores the sum "
              "of its top 2), got "
           << perGroup << " (" << numExperts << " experts in " << *nGroup
           << " groups)";
  if (topK > *keep * perGroup)
    return op.emitOpError() << "expected 'top_k' <= experts in the kept groups ("
                            << *keep << " x " << perGroup << " = "
                            << *keep * perGroup << "), got " << topK;
  return success();
}

LogicalResult GateOp::verify() {
  Operation *op = getOperation();
  if (failed(checkRank(op, "logits", getLogits(), 2, "[T, E]")))
    return failure();
  auto logitsType = cast<RankedTensorType>(getLogits().getType());
  int64_t tokens = logitsType.getDimSize(0);
  int64_t experts = logitsType.getDimSize(1);
  int64_t topK = getTopKAttr().getInt();
  if (topK < 1)
    return emitOpError() << "expected 'top_k' >= 1, got " << topK;
  if (!ShapedType::isDynamic(experts) && topK > experts)
    return emitOpError() << "expected 'top_k' <= number of experts ("
                         << experts << "), got " << topK;
  if (Value bias = getBias()) {
    if (failed(checkRank(op, "bias", bias, 1, "[E]")) ||
        failed(checkDim(op, "bias", bias, 0, experts, "E from logits")))
      return failure();
  }
  for (auto [name, result] :
       {std::pair<StringRef, Value>{"weights", getWeights()},
        std::pair<StringRef, Value>{"ids", getIds()}}) {
    if (failed(checkRank(op, name, result, 2, "[T, k]")) ||
        failed(checkDim(op, name, result, 0, tokens, "T from logits")) ||
        failed(checkStaticDim(op, name, result, 1, topK, "top_k")))
      return failure();
  }
  if (std::optional<APFloat> scaling = getScaling()) {
    double value = scaling->convertToDouble();
    if (!(value > 0) || !std::isfinite(value))
      return emitOpError() << "expected 'scaling' > 0, got " << value;
  }
  return verifyExpertGroups(*this, experts, topK);
}

//===----------------------------------------------------------------------===//
// AlignOp
//===----------------------------------------------------------------------===//

int64_t mlir::moe::computeMaxPaddedRoutes(int64_t routes, int64_t experts,
                                          int64_t blockM) {
  int64_t padding, total;
  if (ShapedType::isDynamic(routes) || blockM < 1 ||
      llvm::MulOverflow(experts, blockM - 1, padding) ||
      llvm::AddOverflow(routes, padding, total) ||
      llvm::AddOverflow(total, blockM - 1, total))
    return ShapedType::kDynamic;
  return total / blockM * blockM;
}

int64_t AlignOp::getMaxPaddedRoutes(int64_t routes) {
  // I64Attr getters are unsigned: read the attributes as signed values.
  return computeMaxPaddedRoutes(routes, getNumExpertsAttr().getInt(),
                                getBlockMAttr().getInt());
}

std::optional<int64_t> AlignOp::getRouteIdBound() {
  if (getExpertBegin())
    return getTotalExperts();
  return getNumExpertsAttr().getInt();
}

LogicalResult AlignOp::verify() {
  Operation *op = getOperation();
  if (failed(checkRank(op, "ids", getIds(), 2, "[T, k]")))
    return failure();
  int64_t experts = getNumExpertsAttr().getInt();
  int64_t blockM = getBlockMAttr().getInt();
  if (experts < 1)
    return emitOpError() << "expected 'experts' >= 1, got " << experts;
  if (failed(checkPowerOfTwo(op, "block_m", blockM, 16, 256)))
    return failure();
  if (std::optional<int64_t> total = getTotalExperts()) {
    if (!getExpertBegin())
      return emitOpError() << "expected 'total_experts' only with 'range' "
                              "(without it every id is in [0, experts))";
    if (*total < experts)
      return emitOpError() << "expected 'total_experts' >= 'experts' ("
                           << experts << "), got " << *total;
  }
  auto idsType = cast<RankedTensorType>(getIds().getType());
  int64_t routes = mulSizes(idsType.getDimSize(0), idsType.getDimSize(1));
  int64_t maxRoutes = getMaxPaddedRoutes(routes);
  if (!ShapedType::isDynamic(routes) && ShapedType::isDynamic(maxRoutes))
    return emitOpError() << "expected R_max = roundup(T*k + experts * "
                            "(block_m - 1), block_m) to fit in 64 bits";
  int64_t maxBlocks = ShapedType::isDynamic(maxRoutes)
                          ? ShapedType::kDynamic
                          : maxRoutes / blockM;
  if (failed(checkExactShape(op, "sorted_route_ids", getSortedRouteIds(),
                             {maxRoutes},
                             "R_max = roundup(T*k + experts * (block_m - 1), "
                             "block_m); dynamic exactly when T*k is")))
    return failure();
  return checkExactShape(op, "block_expert_ids", getBlockExpertIds(),
                         {maxBlocks}, "R_max / block_m");
}
