//===- MoEResultShapes.cpp - result sizes of moe ops from their operands --===//
//
// ReifyRankedShapedTypeOpInterface of the moe ops with tensor results: the
// one place that says how large each result is, for the CPU and GPU
// lowerings alike.
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/MoE/MoE.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace mlir::moe;

/// Dim `d` of tensor `v`: its size when static, else a tensor.dim.
static OpFoldResult sizeOf(OpBuilder &b, Location loc, Value v, int64_t d) {
  int64_t size = cast<RankedTensorType>(v.getType()).getDimSize(d);
  if (!ShapedType::isDynamic(size))
    return b.getIndexAttr(size);
  return tensor::DimOp::create(b, loc, v, d).getResult();
}

static Value valueOf(OpBuilder &b, Location loc, OpFoldResult size) {
  return getValueOrCreateConstantIndexOp(b, loc, size);
}

/// x * factor, folded when x is static.
static OpFoldResult mulSize(OpBuilder &b, Location loc, OpFoldResult x,
                            int64_t factor) {
  if (std::optional<int64_t> c = getConstantIntValue(x))
    return b.getIndexAttr(*c * factor);
  return arith::MulIOp::create(b, loc, valueOf(b, loc, x),
                               arith::ConstantIndexOp::create(b, loc, factor))
      .getResult();
}

/// x / divisor (exact by the verifier), folded when x is static.
static OpFoldResult divSize(OpBuilder &b, Location loc, OpFoldResult x,
                            int64_t divisor) {
  if (std::optional<int64_t> c = getConstantIntValue(x))
    return b.getIndexAttr(*c / divisor);
  return arith::DivUIOp::create(b, loc, valueOf(b, loc, x),
                                arith::ConstantIndexOp::create(b, loc, divisor))
      .getResult();
}

/// ceil(x / divisor), folded when x is static.
static OpFoldResult ceilDivSize(OpBuilder &b, Location loc, OpFoldResult x,
                                int64_t divisor) {
  if (std::optional<int64_t> c = getConstantIntValue(x))
    return b.getIndexAttr(llvm::divideCeil(*c, divisor));
  return arith::CeilDivUIOp::create(
             b, loc, valueOf(b, loc, x),
             arith::ConstantIndexOp::create(b, loc, divisor))
      .getResult();
}

/// Every dim of each result of `op`: its static size, or `dynamic(result,
/// dim)` for a dynamic one.
static void
reifyEach(Operation *op, OpBuilder &b, ReifiedRankedShapedTypeDims &shapes,
          llvm::function_ref<OpFoldResult(unsigned, int64_t)> dynamic) {
  shapes.clear();
  for (auto [i, result] : llvm::enumerate(op->getResults())) {
    auto type = cast<RankedTensorType>(result.getType());
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d < type.getRank(); ++d)
      sizes.push_back(type.isDynamicDim(d)
                          ? dynamic(i, d)
                          : b.getIndexAttr(type.getDimSize(d)));
    shapes.push_back(std::move(sizes));
  }
}

OpFoldResult mlir::moe::reifyMaxPaddedRoutes(OpBuilder &b, Location loc,
                                             OpFoldResult routes,
                                             int64_t experts, int64_t blockM) {
  if (std::optional<int64_t> r = getConstantIntValue(routes)) {
    int64_t size = computeMaxPaddedRoutes(*r, experts, blockM);
    if (!ShapedType::isDynamic(size))
      return b.getIndexAttr(size);
  }
  // The same formula in index arithmetic: roundup(routes + experts *
  // (blockM - 1), blockM).
  auto idx = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  Value padded = arith::AddIOp::create(b, loc, valueOf(b, loc, routes),
                                       idx(experts * (blockM - 1)));
  Value blocks = arith::CeilDivUIOp::create(b, loc, padded, idx(blockM));
  return arith::MulIOp::create(b, loc, blocks, idx(blockM)).getResult();
}

LogicalResult GateOp::reifyResultShapes(OpBuilder &b,
                                        ReifiedRankedShapedTypeDims &shapes) {
  // weights and ids: [T, k], T from the logits.
  reifyEach(*this, b, shapes, [&](unsigned, int64_t d) {
    return d == 0 ? sizeOf(b, getLoc(), getLogits(), 0)
                  : OpFoldResult(b.getIndexAttr(getTopKAttr().getInt()));
  });
  return success();
}

LogicalResult AlignOp::reifyResultShapes(OpBuilder &b,
                                         ReifiedRankedShapedTypeDims &shapes) {
  // sorted_route_ids [R_max], block_expert_ids [R_max / block_m].
  int64_t blockM = getBlockMAttr().getInt();
  OpFoldResult maxRoutes;
  reifyEach(*this, b, shapes, [&](unsigned result, int64_t) {
    if (!maxRoutes) {
      OpFoldResult routes = sizeOf(b, getLoc(), getIds(), 0);
      routes =
          mulSize(b, getLoc(), routes,
                  cast<RankedTensorType>(getIds().getType()).getDimSize(1));
      maxRoutes = reifyMaxPaddedRoutes(b, getLoc(), routes,
                                       getNumExpertsAttr().getInt(), blockM);
    }
    return result == 0 ? maxRoutes : divSize(b, getLoc(), maxRoutes, blockM);
  });
  return success();
}

LogicalResult
GroupedMatmulOp::reifyResultShapes(OpBuilder &b,
                                   ReifiedRankedShapedTypeDims &shapes) {
  // [T * k, N'] with N' = N, or N / 2 after a gated activation; [T, N]
  // with sum_routes. The scales of out_quant: [T * k] per row, or
  // [T * k, ceil(N' / group)].
  auto resultSize = [&](int64_t d) -> OpFoldResult {
    if (d == 1) {
      OpFoldResult cols = sizeOf(b, getLoc(), getW(), 1);
      return getActivation() ? divSize(b, getLoc(), cols, 2) : cols;
    }
    OpFoldResult rows = sizeOf(b, getLoc(), getA(), 0);
    if (getSumRoutes())
      return divSize(b, getLoc(), rows, getTopKAttr().getInt());
    return getRows() == RowSource::Tokens
               ? mulSize(b, getLoc(), rows, getTopKAttr().getInt())
               : rows;
  };
  reifyEach(*this, b, shapes, [&](unsigned result, int64_t d) {
    if (result == 0 || d == 0)
      return resultSize(d);
    QuantAttr out = getOutQuantAttr();
    int64_t group = out.getKind() == QuantKind::Mx ? QuantAttr::kMxBlock
                                                   : *out.getBlockCols();
    return ceilDivSize(b, getLoc(), resultSize(1), group);
  });
  return success();
}

LogicalResult
QuantizeOp::reifyResultShapes(OpBuilder &b,
                              ReifiedRankedShapedTypeDims &shapes) {
  // The values: the input's sizes. The scales: the leading sizes, then the
  // scheme's groups over [R, C] (#moe.quant; per_tensor has none).
  QuantAttr scheme = getScheme();
  int64_t rank = getInput().getType().getRank();
  reifyEach(*this, b, shapes, [&](unsigned result, int64_t d) -> OpFoldResult {
    if (result == 0 || d < rank - 2)
      return sizeOf(b, getLoc(), getInput(), d);
    OpFoldResult size = sizeOf(b, getLoc(), getInput(), d);
    bool rows = d == rank - 2;
    switch (scheme.getKind()) {
    case QuantKind::Block:
      return ceilDivSize(b, getLoc(), size,
                         rows ? *scheme.getBlockRows()
                              : *scheme.getBlockCols());
    case QuantKind::Mx:
      return rows ? size : divSize(b, getLoc(), size, QuantAttr::kMxBlock);
    case QuantKind::PerRow:
    case QuantKind::PerTensor:
      return size;
    }
    llvm_unreachable("a quantization scheme");
  });
  return success();
}

LogicalResult
ActivationOp::reifyResultShapes(OpBuilder &b,
                                ReifiedRankedShapedTypeDims &shapes) {
  // The input's sizes, the last one halved (gate and up halves).
  int64_t last = cast<RankedTensorType>(getType()).getRank() - 1;
  reifyEach(*this, b, shapes, [&](unsigned, int64_t d) {
    OpFoldResult size = sizeOf(b, getLoc(), getInput(), d);
    return d == last ? divSize(b, getLoc(), size, 2) : size;
  });
  return success();
}

LogicalResult
CombineOp::reifyResultShapes(OpBuilder &b,
                             ReifiedRankedShapedTypeDims &shapes) {
  // [T, H]: T from scale, H from routes.
  reifyEach(*this, b, shapes, [&](unsigned, int64_t d) {
    return d == 0 ? sizeOf(b, getLoc(), getScale(), 0)
                  : sizeOf(b, getLoc(), getRoutes(), 1);
  });
  return success();
}

/// Every result has the sizes of `x` (the norms).
static LogicalResult reifyLikeX(Operation *op, Value x, OpBuilder &b,
                                ReifiedRankedShapedTypeDims &shapes) {
  reifyEach(op, b, shapes,
            [&](unsigned, int64_t d) { return sizeOf(b, op->getLoc(), x, d); });
  return success();
}

LogicalResult
RMSNormOp::reifyResultShapes(OpBuilder &b,
                             ReifiedRankedShapedTypeDims &shapes) {
  return reifyLikeX(*this, getX(), b, shapes);
}

LogicalResult
AddRMSNormOp::reifyResultShapes(OpBuilder &b,
                                ReifiedRankedShapedTypeDims &shapes) {
  return reifyLikeX(*this, getX(), b, shapes);
}

LogicalResult
AllReduceAddRMSNormOp::reifyResultShapes(OpBuilder &b,
                                         ReifiedRankedShapedTypeDims &shapes) {
  return reifyLikeX(*this, getX(), b, shapes);
}
