//===- MoEExpertOps.cpp - verifiers of the expert computation ops ---------===//
//
// Checks moe.experts, moe.grouped_matmul, moe.activation and moe.combine.
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/MoE/MoE.h"

#include "ShapeChecks.h"

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::detail;

static int64_t dimOf(Value value, int64_t dim) {
  return cast<RankedTensorType>(value.getType()).getDimSize(dim);
}

/// Checks that a gated activation's input column count `cols` is even.
static LogicalResult checkEvenGateUp(Operation *op, StringRef what,
                                     int64_t cols) {
  if (ShapedType::isDynamic(cols) || cols % 2 == 0)
    return success();
  return op->emitOpError() << "expected an even " << what
                           << " (gate and up halves) for the gated activation, "
                              "got "
                           << cols;
}

/// Checks an expert bias operand: `[E, N]`, one row per expert of the
/// weights `w` `[E, N, K]` that it follows.
static LogicalResult checkExpertBias(Operation *op, StringRef name, Value bias,
                                     StringRef weightName, Value w) {
  std::string from = ("E from " + weightName).str();
  std::string rows = ("N = dim 1 of " + weightName).str();
  if (failed(checkRank(op, name, bias, 2, "[E, N]")) ||
      failed(checkDim(op, name, bias, 0, dimOf(w, 0), from)) ||
      failed(checkDim(op, name, bias, 1, dimOf(w, 1), rows)))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// ExpertsOp
//===----------------------------------------------------------------------===//

/// True for the fp8 and fp4 element types that take scales.
static bool isQuantizedType(Type type) {
  return isa<Float8E4M3FNType, Float8E4M3FNUZType, Float4E2M1FNType>(type);
}

/// The weights are x's type, or quantized with scales under one scheme; the
/// activation scheme, if any, quantizes one token's row.
static LogicalResult verifyExpertsQuantization(ExpertsOp op) {
  Operation *raw = op;
  Type xType = op.getX().getType().getElementType();
  Type w1Type = cast<ShapedType>(op.getW1().getType()).getElementType();
  if (!isQuantizedType(w1Type)) {
    if (failed(checkElementType(raw, "w1", op.getW1(), xType, "like x")) ||
        failed(checkElementType(raw, "w2", op.getW2(), xType, "like x")))
      return failure();
    if (op.getW1Scales() || op.getWeightQuantAttr())
      return op.emitOpError()
             << "expected no weight scales for " << w1Type
             << " weights (scales belong to fp8 and fp4 "
                "weights), got "
             << (op.getW1Scales() ? "weight_scales" : "a weight_quant scheme");
  } else {
    if (failed(checkElementType(raw, "w2", op.getW2(), w1Type, "like w1")))
      return failure();
    if (!op.getW1Scales() || !op.getW2Scales() || !op.getWeightQuantAttr())
      return op.emitOpError()
             << "expected 'weight_scales' for " << w1Type
             << " weights (weight_scales %w1_scales, %w2_scales <scheme>)";
    if (failed(verifyQuantizedOperand(raw, "w1", op.getW1(), op.getW1Scales(),
                                      op.getWeightQuantAttr())) ||
        failed(verifyQuantizedOperand(raw, "w2", op.getW2(), op.getW2Scales(),
                                      op.getWeightQuantAttr())))
      return failure();
  }
  QuantAttr act = op.getActQuantAttr();
  if (!act != !op.getActTypeAttr())
    return op.emitOpError() << "expected 'act_quant' and 'act_type' together, "
                               "got only "
                            << (act ? "act_quant" : "act_type");
  if (!act)
    return success();
  Type actType = op.getActTypeAttr() ? op.getActTypeAttr().getValue() : Type();
  if (!actType || !isQuantizedType(actType))
    return op.emitOpError() << "expected an fp8 or fp4 'act_quant' type "
                               "(f8E4M3FN, f8E4M3FNUZ or f4E2M1FN), got "
                            << actType;
  if (!act.isRowScheme())
    return op.emitOpError() << "expected an 'act_quant' scheme of one token's "
                               "row (per_row, block [1, n] or mx), got "
                            << act;
  if (isa<Float4E2M1FNType>(actType) && act.getKind() != QuantKind::Mx)
    return op.emitOpError() << "expected the 'mx' act_quant scheme for "
                               "f4E2M1FN activations (MXFP4), got "
                            << act;
  if (act.getKind() == QuantKind::Mx) {
    int64_t hidden = op.getX().getType().getDimSize(1);
    int64_t inter = cast<ShapedType>(op.getW2().getType()).getDimSize(2);
    for (auto [size, what] : {std::pair<int64_t, StringRef>{hidden, "H"},
                              std::pair<int64_t, StringRef>{inter, "I"}})
      if (!ShapedType::isDynamic(size) && size % QuantAttr::kMxBlock != 0)
        return op.emitOpError()
               << "expected " << what << " to be a multiple of "
               << QuantAttr::kMxBlock << " for mx activations, got " << size;
  }
  return success();
}

LogicalResult ExpertsOp::verify() {
  Operation *op = getOperation();
  if (failed(checkRank(op, "x", getX(), 2, "[T, H]")) ||
      failed(checkRank(op, "w1", getW1(), 3, "[E, 2I, H]")) ||
      failed(checkRank(op, "w2", getW2(), 3, "[E, H, I]")) ||
      failed(checkRank(op, "weights", getWeights(), 2, "[T, k]")) ||
      failed(checkRank(op, "ids", getIds(), 2, "[T, k]")) ||
      failed(checkRank(op, "result", getResult(), 2, "[T, H]")))
    return failure();
  if (failed(checkNonEmptyDim(op, "x", getX(), 1, "H")) ||
      failed(checkNonEmptyDim(op, "w1", getW1(), 0, "E")) ||
      failed(checkNonEmptyDim(op, "w1", getW1(), 1, "2I")) ||
      failed(checkNonEmptyDim(op, "ids", getIds(), 1, "top-k")))
    return failure();
  int64_t tokens = dimOf(getX(), 0), hidden = dimOf(getX(), 1);
  int64_t experts = dimOf(getW1(), 0), twoI = dimOf(getW1(), 1);
  int64_t inter = ShapedType::isDynamic(twoI) ? twoI : twoI / 2;
  Type elementType = getX().getType().getElementType();
  if (!getW1Scales() != !getW2Scales())
    return emitOpError() << "expected scales for both w1 and w2, got only "
                         << (getW1Scales() ? "w1" : "w2") << " scales";
  if (failed(checkDim(op, "w1", getW1(), 2, hidden, "H from x")) ||
      failed(checkEvenGateUp(op, "w1 row count 2I", twoI)) ||
      failed(checkDim(op, "w2", getW2(), 0, experts, "E from w1")) ||
      failed(checkDim(op, "w2", getW2(), 1, hidden, "H from x")) ||
      failed(checkDim(op, "w2", getW2(), 2, inter, "I = 2I / 2 from w1")) ||
      failed(verifyExpertsQuantization(*this)) ||
      failed(checkDim(op, "weights", getWeights(), 0, tokens, "T from x")) ||
      failed(checkDim(op, "ids", getIds(), 0, tokens, "T from x")) ||
      failed(checkDim(op, "ids", getIds(), 1, dimOf(getWeights(), 1),
                      "k from weights")))
    return failure();
  int64_t topK = dimOf(getIds(), 1);
  if (!ShapedType::isDynamic(topK) && !ShapedType::isDynamic(experts) &&
      topK > experts)
    return emitOpError() << "expected top-k (" << topK
                         << ", dim 1 of ids) <= number of experts (" << experts
                         << ")";
  if (failed(checkDim(op, "result", getResult(), 0, tokens, "T from x")) ||
      failed(checkDim(op, "result", getResult(), 1, hidden, "H from x")))
    return failure();
  if (!getW1Bias() != !getW2Bias())
    return emitOpError() << "expected biases for both w1 and w2 (biases %b1, "
                            "%b2), got only "
                         << (getW1Bias() ? "w1" : "w2") << " bias";
  if (getW1Bias() &&
      (failed(checkExpertBias(op, "w1 bias", getW1Bias(), "w1", getW1())) ||
       failed(checkExpertBias(op, "w2 bias", getW2Bias(), "w2", getW2()))))
    return failure();
  return checkElementType(op, "result", getResult(), elementType, "like x");
}

SmallVector<OperandSizeRelation> ExpertsOp::getOperandSizeRelations() {
  enum : unsigned { x, w1, w2, weights, ids };
  SmallVector<OperandSizeRelation> relations = {
      {weights, 0, x, 0, 1, "dim 0 of 'weights' must equal dim 0 of 'x' (T)"},
      {ids, 0, x, 0, 1, "dim 0 of 'ids' must equal dim 0 of 'x' (T)"},
      {ids, 1, weights, 1, 1,
       "dim 1 of 'ids' must equal dim 1 of 'weights' (k)"},
      {w1, 2, x, 1, 1, "dim 2 of 'w1' must equal dim 1 of 'x' (H)"},
      {w2, 0, w1, 0, 1, "dim 0 of 'w2' must equal dim 0 of 'w1' (E)"},
      {w2, 1, x, 1, 1, "dim 1 of 'w2' must equal dim 1 of 'x' (H)"},
      {w2, 2, w1, 1, 2, "dim 2 of 'w2' must equal half of dim 1 of 'w1' (I)"},
  };
  if (getW1Bias()) {
    // The biases follow the optional scales in the operand list.
    unsigned b1 = getW1Scales() ? ids + 3 : ids + 1, b2 = b1 + 1;
    relations.append({
        {b1, 0, w1, 0, 1, "dim 0 of the w1 bias must equal dim 0 of 'w1' (E)"},
        {b1, 1, w1, 1, 1, "dim 1 of the w1 bias must equal dim 1 of 'w1' (2I)"},
        {b2, 0, w2, 0, 1, "dim 0 of the w2 bias must equal dim 0 of 'w2' (E)"},
        {b2, 1, w2, 1, 1, "dim 1 of the w2 bias must equal dim 1 of 'w2' (H)"},
    });
  }
  return relations;
}

//===----------------------------------------------------------------------===//
// GroupedMatmulOp
//===----------------------------------------------------------------------===//

/// One operand of moe.grouped_matmul is quantized exactly when it has
/// scales and a scheme, and its scales fit the scheme.
static LogicalResult verifyScaledOperand(GroupedMatmulOp op, StringRef name,
                                         Value values, Value scales,
                                         QuantAttr scheme) {
  Type type = cast<ShapedType>(values.getType()).getElementType();
  if (isQuantizedType(type) != static_cast<bool>(scales))
    return op.emitOpError() << "expected " << (scales ? "no " : "") << "'"
                            << name << "_scales' for " << type << " '" << name
                            << "' (scales belong to fp8 and fp4 values), got "
                            << (scales ? "scales" : "none");
  if (!scales)
    return success();
  return verifyQuantizedOperand(op, name, values, scales, scheme);
}

/// The element types of a, w and the result agree: a quantized a takes a
/// quantized w; an unquantized a sets w's data type and the result's; with
/// out_quant the result is quantized from a row of `out_round` values.
static LogicalResult verifyGroupedMatmulQuantization(GroupedMatmulOp op) {
  Operation *raw = op;
  Type aType = cast<ShapedType>(op.getA().getType()).getElementType();
  Type wType = cast<ShapedType>(op.getW().getType()).getElementType();
  Type resultType = cast<ShapedType>(op.getResult().getType()).getElementType();
  if (failed(verifyScaledOperand(op, "a", op.getA(), op.getAScales(),
                                 op.getAQuantAttr())) ||
      failed(verifyScaledOperand(op, "w", op.getW(), op.getWScales(),
                                 op.getWQuantAttr())))
    return failure();
  bool aQuantized = static_cast<bool>(op.getAScales());
  if (aQuantized && !op.getWScales())
    return op.emitOpError() << "expected fp8 or fp4 'w' for the quantized 'a' ("
                            << aType << "; a8w8, a4w4 or a8w4), got " << wType;
  if (!aQuantized && !op.getWScales() &&
      failed(checkElementType(raw, "w", op.getW(), aType, "like a")))
    return failure();
  QuantAttr out = op.getOutQuantAttr();
  if (!out != !op.getOutRoundAttr())
    return op.emitOpError() << "expected 'out_quant' and its 'from' type "
                               "together";
  if (!out) {
    if (op.getResultScales())
      return op.emitOpError() << "expected one result without 'out_quant', "
                                 "got result scales";
    if (!aQuantized)
      return checkElementType(raw, "result", op.getResult(), aType, "like a");
    if (!isa<BFloat16Type, Float16Type, Float32Type>(resultType))
      return op.emitOpError() << "expected a bf16, f16 or f32 result for the "
                                 "quantized 'a', got "
                              << resultType;
    return success();
  }
  Type round = op.getOutRoundAttr().getValue();
  if (!isa<BFloat16Type, Float16Type, Float32Type>(round))
    return op.emitOpError() << "expected a bf16, f16 or f32 'from' type of "
                               "out_quant (what the unquantized result would "
                               "hold), got "
                            << round;
  if (!aQuantized && round != aType)
    return op.emitOpError()
           << "expected the 'from' type of out_quant to be a's type (" << aType
           << "), got " << round;
  if (!isQuantizedType(resultType) || !op.getResultScales())
    return op.emitOpError() << "expected fp8 or fp4 values and their scales "
                               "as results with out_quant, got "
                            << resultType << " and "
                            << (op.getResultScales() ? "scales" : "no scales");
  if (!out.isRowScheme())
    return op.emitOpError() << "expected an 'out_quant' scheme of one row "
                               "(per_row, block [1, n] or mx), got "
                            << out;
  if (op.getSumRoutes())
    return op.emitOpError() << "expected no 'sum_routes' with out_quant (the "
                               "summed rows are not quantized)";
  return success();
}

LogicalResult GroupedMatmulOp::verify() {
  Operation *op = getOperation();
  bool anyBlocks =
      getSortedRouteIds() || getBlockExpertIds() || getPaddedCount();
  bool allBlocks =
      getSortedRouteIds() && getBlockExpertIds() && getPaddedCount();
  if (anyBlocks != allBlocks || anyBlocks == isRouteOrder())
    return emitOpError()
           << "expected either the three results of moe.align "
              "(sorted_route_ids, block_expert_ids, padded_count) or "
              "route_ids, got "
           << (getSortedRouteIds() ? 1 : 0) + (getBlockExpertIds() ? 1 : 0) +
                  (getPaddedCount() ? 1 : 0)
           << " of the three and " << (isRouteOrder() ? "" : "no ")
           << "route_ids";
  if (failed(checkRank(op, "a", getA(), 2, "[M, K]")) ||
      failed(checkRank(op, "w", getW(), 3, "[E, N, K]")) ||
      (allBlocks &&
       (failed(checkRank(op, "sorted_route_ids", getSortedRouteIds(), 1,
                         "[R_max]")) ||
        failed(checkRank(op, "block_expert_ids", getBlockExpertIds(), 1,
                         "[R_max / block_m]")))) ||
      (isRouteOrder() &&
       failed(checkRank(op, "route_ids", getRouteIds(), 2, "[T, k]"))) ||
      failed(checkRank(op, "result", getResult(), 2, "[T * k, N]")))
    return failure();
  int64_t blockM = getBlockMAttr().getInt(), topK = getTopKAttr().getInt();
  if (isRouteOrder() && blockM != 1)
    return emitOpError() << "expected 'block_m' 1 in route order (route_ids), "
                            "got "
                         << blockM;
  if (getSumRoutes() &&
      (!isRouteOrder() || getRows() != RowSource::Routes || getActivation()))
    return emitOpError()
           << "expected 'sum_routes' in route order (route_ids) with rows "
              "routes and no activation, got "
           << (isRouteOrder() ? "route_ids" : "the results of moe.align")
           << ", rows " << stringifyRowSource(getRows()) << " and "
           << (getActivation() ? "an" : "no") << " activation";
  if (allBlocks && failed(checkPowerOfTwo(op, "block_m", blockM, 16, 256)))
    return failure();
  if (topK < 1)
    return emitOpError() << "expected 'top_k' >= 1, got " << topK;
  if (TileAttr tile = getTileAttr(); tile && tile.getBlockM() != blockM)
    return emitOpError() << "expected the tile's block_m (" << tile.getBlockM()
                         << ") to equal 'block_m' (" << blockM << ")";
  if (failed(checkNonEmptyDim(op, "w", getW(), 0, "E")) ||
      failed(checkNonEmptyDim(op, "w", getW(), 1, "N")) ||
      failed(checkNonEmptyDim(op, "a", getA(), 1, "K")) ||
      failed(checkDim(op, "w", getW(), 2, dimOf(getA(), 1), "K from a")) ||
      failed(verifyGroupedMatmulQuantization(*this)))
    return failure();

  if (allBlocks) {
    int64_t sortedSize = dimOf(getSortedRouteIds(), 0);
    if (!ShapedType::isDynamic(sortedSize) && sortedSize % blockM != 0)
      return emitOpError() << "expected the size of 'sorted_route_ids' ("
                           << sortedSize << ") to be a multiple of block_m ("
                           << blockM << ")";
    int64_t blocks =
        ShapedType::isDynamic(sortedSize) ? sortedSize : sortedSize / blockM;
    if (failed(checkDim(op, "block_expert_ids", getBlockExpertIds(), 0, blocks,
                        "R_max / block_m from sorted_route_ids")))
      return failure();
  }

  int64_t rowsOfA = dimOf(getA(), 0);
  int64_t routes = rowsOfA;
  if (getRows() == RowSource::Tokens) {
    routes = mulSizes(rowsOfA, topK);
    if (!ShapedType::isDynamic(rowsOfA) && ShapedType::isDynamic(routes))
      return emitOpError() << "expected T * top_k (" << rowsOfA << " x " << topK
                           << ") to fit in 64 bits";
  } else if (!ShapedType::isDynamic(rowsOfA) && rowsOfA % topK != 0) {
    return emitOpError() << "expected the rows of 'a' (" << rowsOfA
                         << ") to be a multiple of top_k (" << topK
                         << ") with rows routes ([T * k, K])";
  }
  int64_t cols = dimOf(getW(), 1);
  if (getActivation()) {
    if (failed(checkEvenGateUp(op, "N (dim 1 of w)", cols)))
      return failure();
    if (!ShapedType::isDynamic(cols))
      cols /= 2;
  }
  StringRef routesWhy = getRows() == RowSource::Tokens
                            ? "T * k routes: rows of a x top_k"
                            : "T * k routes: rows of a";
  int64_t tokens = ShapedType::isDynamic(routes) ? routes : routes / topK;
  if (getSumRoutes())
    routesWhy = "T = rows of a / top_k, with sum_routes";
  if (failed(checkDim(op, "result", getResult(), 0,
                      getSumRoutes() ? tokens : routes, routesWhy)) ||
      failed(checkDim(op, "result", getResult(), 1, cols,
                      getActivation() ? "N / 2 after the gated activation"
                                      : "N from w")))
    return failure();
  if (QuantAttr out = getOutQuantAttr();
      out && failed(verifyQuantizedOperand(op, "result", getResult(),
                                           getResultScales(), out)))
    return failure();
  if (isRouteOrder() && (failed(checkDim(op, "route_ids", getRouteIds(), 0,
                                         tokens, "T = routes / k")) ||
                         failed(checkStaticDim(op, "route_ids", getRouteIds(),
                                               1, topK, "top_k"))))
    return failure();
  if (Value weights = getWeights()) {
    if (failed(checkRank(op, "weights", weights, 2, "[T, k]")) ||
        failed(checkDim(op, "weights", weights, 0, tokens, "T = routes / k")) ||
        failed(checkStaticDim(op, "weights", weights, 1, topK, "top_k")))
      return failure();
  }
  if (Value bias = getBias();
      bias && failed(checkExpertBias(op, "bias", bias, "w", getW())))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// ActivationOp
//===----------------------------------------------------------------------===//

LogicalResult ActivationOp::verify() {
  Operation *op = getOperation();
  auto inType = getInput().getType(), outType = getResult().getType();
  if (inType.getRank() < 1)
    return emitOpError() << "expected 'input' of rank >= 1 ([..., 2I]), got a "
                            "0-d tensor";
  if (outType.getRank() != inType.getRank())
    return emitOpError() << "expected 'result' of rank " << inType.getRank()
                         << " like the input, got rank " << outType.getRank();
  int64_t last = inType.getRank() - 1;
  int64_t cols = inType.getDimSize(last);
  if (failed(checkNonEmptyDim(op, "input", getInput(), last, "2I")) ||
      failed(checkEvenGateUp(op, "last input dim 2I", cols)))
    return failure();
  for (int64_t d = 0; d < last; ++d)
    if (failed(checkDim(op, "result", getResult(), d, inType.getDimSize(d),
                        "like the input")))
      return failure();
  if (failed(checkDim(op, "result", getResult(), last,
                      ShapedType::isDynamic(cols) ? cols : cols / 2,
                      "I = 2I / 2 from the input")))
    return failure();
  return checkElementType(op, "result", getResult(), inType.getElementType(),
                          "like the input");
}

//===----------------------------------------------------------------------===//
// CombineOp
//===----------------------------------------------------------------------===//

LogicalResult CombineOp::verify() {
  Operation *op = getOperation();
  if (failed(checkRank(op, "routes", getRoutes(), 2, "[T * k, H]")) ||
      failed(checkRank(op, "scale", getScale(), 2, "[T, k]")) ||
      failed(checkRank(op, "result", getResult(), 2, "[T, H]")))
    return failure();
  if (failed(checkNonEmptyDim(op, "scale", getScale(), 1, "k")))
    return failure();
  int64_t tokens = dimOf(getScale(), 0), topK = dimOf(getScale(), 1);
  if (static_cast<bool>(getIds()) != getNumExperts().has_value())
    return emitOpError() << "expected 'ids' and 'experts' together (the "
                            "routes' expert ids and the local experts), got "
                         << (getIds() ? "ids without experts"
                                      : "experts without ids");
  if (getExpertBegin() && !getIds())
    return emitOpError() << "expected 'ids' with 'range'";
  if (getIds()) {
    if (*getNumExperts() < 1)
      return emitOpError() << "expected 'experts' >= 1, got "
                           << *getNumExperts();
    if (failed(checkRank(op, "ids", getIds(), 2, "[T, k]")) ||
        failed(checkDim(op, "ids", getIds(), 0, tokens, "T from scale")) ||
        failed(checkDim(op, "ids", getIds(), 1, topK, "k from scale")))
      return failure();
  }
  if (failed(checkDim(op, "routes", getRoutes(), 0, mulSizes(tokens, topK),
                      "T * k from scale")) ||
      failed(checkDim(op, "result", getResult(), 0, tokens, "T from scale")) ||
      failed(checkDim(op, "result", getResult(), 1, dimOf(getRoutes(), 1),
                      "H from routes")))
    return failure();
  return checkElementType(op, "result", getResult(),
                          getRoutes().getType().getElementType(),
                          "like routes");
}
