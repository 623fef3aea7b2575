//===- MoEEnums.td - enumerations of the moe dialect -------*- tablegen -*-===//
//
// Declares the enumerations used by moe attributes and operations.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_ENUMS_TD
#define MOE_ENUMS_TD

include "mlir/IR/EnumAttr.td"

def MoE_ScoringFunc : I32EnumAttr<"ScoringFunc",
    "how router logits become expert scores", [
      I32EnumAttrCase<"Softmax", 0, "softmax">,
      I32EnumAttrCase<"Sigmoid", 1, "sigmoid">
    ]> {
  let cppNamespace = "::mlir::moe";
}

def MoE_ActivationKind : I32EnumAttr<"ActivationKind",
    "gated activation applied to the [gate | up] halves of GEMM1", [
      I32EnumAttrCase<"SiluMul", 0, "silu_mul">,
      I32EnumAttrCase<"GeluMul", 1, "gelu_mul">,
      I32EnumAttrCase<"SwigluOai", 2, "swiglu_oai">
    ]> {
  let cppNamespace = "::mlir::moe";
  let genSpecializedAttr = 0;
}

def MoE_GateUpLayout : I32EnumAttr<"GateUpLayout",
    "where the gate and up columns of a gated activation input are", [
      I32EnumAttrCase<"Split", 0, "split">,
      I32EnumAttrCase<"Interleaved", 1, "interleaved">
    ]> {
  let cppNamespace = "::mlir::moe";
  let genSpecializedAttr = 0;
}

def MoE_RowSource : I32EnumAttr<"RowSource",
    "which row of the A operand a route of a grouped matmul reads", [
      I32EnumAttrCase<"Tokens", 0, "tokens">,
      I32EnumAttrCase<"Routes", 1, "routes">
    ]> {
  let cppNamespace = "::mlir::moe";
}

def MoE_KernelLoads : I32EnumAttr<"KernelLoads",
    "how a GEMM kernel's k loop brings its operands to the MMAs (or, for "
    "row_dot, to its lanes' dot products; mma_row_dot, to mma.sync with "
    "the weight rows as the 16-row operand)", [
      I32EnumAttrCase<"Registers", 0, "registers">,
      I32EnumAttrCase<"AsyncCopy", 1, "async_copy">,
      I32EnumAttrCase<"SharedTiles", 2, "shared_tiles">,
      I32EnumAttrCase<"WarpgroupTiles", 3, "warpgroup_tiles">,
      I32EnumAttrCase<"RowDot", 4, "row_dot">,
      I32EnumAttrCase<"MMARowDot", 5, "mma_row_dot">
    ]> {
  let cppNamespace = "::mlir::moe";
  let genSpecializedAttr = 0;
}

def MoE_QuantKind : I32EnumAttr<"QuantKind",
    "which elements of a quantized tensor share a scale", [
      I32EnumAttrCase<"PerTensor", 0, "per_tensor">,
      I32EnumAttrCase<"PerRow", 1, "per_row">,
      I32EnumAttrCase<"Block", 2, "block">,
      I32EnumAttrCase<"Mx", 3, "mx">
    ]> {
  let cppNamespace = "::mlir::moe";
  let genSpecializedAttr = 0;
}

#endif // MOE_ENUMS_TD
