//===- GroupedMatmulProblem.cpp - what a grouped GEMM asks of its plan ----===//
//
// groupedMatmulProblem: the facts of a moe.grouped_matmul that its kernel
// plan depends on (GroupedMatmulPlan.h), read from the op.
//
//===----------------------------------------------------------------------===//

#include "GroupedMatmulPlan.h"
#include "moe/Dialect/MoE/MMARowDotOperands.h"

#include "llvm/Support/MathExtras.h"

#include <numeric>

using namespace mlir::moe;

GroupedMatmulProblem mlir::moe::groupedMatmulProblem(GroupedMatmulOp op,
                                                     GemmLoads loads,
                                                     int64_t tokens) {
  TileAttr tile = op.getTileAttr();
  auto wType = op.getWType();
  GroupedMatmulProblem p{
      op.getBlockMAttr().getInt(),
      tile ? tile.getBlockN() : 64,
      wType.getDimSize(2),
      llvm::divideCeil(wType.getElementType().getIntOrFloatBitWidth(), 8),
      static_cast<bool>(op.getActivationAttr()),
      loads,
      wType.getDimSize(1),
      wType.getDimSize(0),
      op.getTopKAttr().getInt(),
      expectedTokens(op, tokens),
      op.getSumRoutes()};
  p.quantized = op.isQuantized();
  p.aElementBytes = op.getAType().getElementTypeBitWidth() / 8;
  if (int64_t bits = wType.getElementType().getIntOrFloatBitWidth(); bits < 8)
    p.weightBits = bits;
  p.mmaRowDotOperands = hasMMARowDotOperands(op) && !p.sumRoutes;
  for (QuantAttr scheme : {op.getAQuantAttr(), op.getWQuantAttr()}) {
    if (!scheme)
      continue;
    int64_t group = 0;
    if (scheme.getKind() == QuantKind::Block)
      group = *scheme.getBlockCols();
    else if (scheme.getKind() == QuantKind::Mx)
      group = QuantAttr::kMxBlock;
    if (group)
      p.scaleGroupK = std::gcd(p.scaleGroupK, group);
  }
  return p;
}
