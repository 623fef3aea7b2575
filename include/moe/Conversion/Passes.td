//===- Passes.td - conversion passes of moe-mlir -----------*- tablegen -*-===//
//
// Declares the lowerings of the moe dialect.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_CONVERSION_PASSES_TD
#define MOE_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertMoEToCPUPass : Pass<"convert-moe-to-cpu", "::mlir::ModuleOp"> {
  let summary = "Lower every moe op to the CPU reference (scf, linalg, tensor, arith, math)";
  let description = [{
    The executable definition of the moe ops: each op becomes loops over
    tensors (scf.for with tensor.extract/insert) or linalg.generic ops, with
    all math in f32 and results rounded to their element type (round to
    nearest even). Deterministic: `moe.align` orders routes by (expert,
    route id) and `moe.gate` gives ties to the lower expert id.

    Size relations that the verifier cannot prove (dynamic sizes, e.g. the
    token count of `x` and of the routing weights) are checked at run time:
    a failing check skips the op's work and records its id and the two
    sizes in the public global `moe_check_state` (`memref<3xi64>`: id + 1,
    expected, found); the messages are listed in the module attribute
    `moe.check_messages`, which moe-compile puts in the manifest.

    Collectives are the identity over a group of one rank; a group of more
    ranks is reported as unsupported here. Expert ids outside `[0, E)` in
    `moe.experts` and invalid block/route entries in `moe.grouped_matmul`
    contribute zero instead of reading out of bounds.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

#endif // MOE_CONVERSION_PASSES_TD
