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
    sizes in the global `moe_check_state` (`memref<4xi64>`: id + 1,
    expected, found), unless an earlier check of the call failed; the
    messages are listed in the module attribute `moe.check_messages`, which
    moe-compile puts in the manifest. moe-compile makes the state
    thread-local and hands it to the caller of each entry (its status slot).

    Collectives are the identity over a group of one rank; a group of more
    ranks is reported as unsupported here. Expert ids outside `[0, E)` in
    `moe.experts` and `moe.align` (its bound: AlignOp::getRouteIdBound) are
    a run-time check failure (tag -(id + 1): their count, the first one's id
    and token); such routes and invalid block/route entries in
    `moe.grouped_matmul` contribute zero instead of reading out of bounds.
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

def ConvertMoEToGPULaunchPass
    : Pass<"convert-moe-to-gpu-launch", "::mlir::ModuleOp"> {
  let summary = "Replace every moe op by a launch of its kernel template";
  let description = [{
    Builds the kernels of each moe op (its `KernelTemplate`,
    `include/moe/Conversion/KernelTemplate.h`; named FUNC_OP_INDEX) for
    `target` into one `gpu.module @moe_kernels` with the chip's target
    attribute, then runs a dialect conversion (every moe op illegal, one
    pattern per kernel template) that replaces each op on the host side by:
    its tensor operands as buffers (`bufferization.to_buffer`, read-only,
    where the operand is not already a converted result), a `memref.alloc`
    per result sized by the op's `ReifyRankedShapedTypeOpInterface`
    (zero-filled with `gpu.memset` for grouped GEMM outputs that a reader
    needs whole, since rows of pruned routes no block writes), a
    `gpu.launch_func` with the template's grid (empty when a run-time size
    check fails), and `bufferization.to_tensor` where a tensor user remains.
    One-shot bufferization then joins these buffers with the rest of the
    program.

    `moe.experts` is expanded first where `moe-optimize` has not done it
    (block_m 16 unless its tile says). Collectives over a group of one rank
    are the identity (`all_reduce_add_rms_norm` becomes `add_rms_norm`).
    Over more ranks `all_reduce`, `all_gather` and `reduce_scatter` become
    calls of the runtime's `moe_collective_*` functions (NCCL / RCCL) on
    device buffers, `all_reduce_add_rms_norm` an `all_reduce` call and the
    `add_rms_norm` kernel; `all_to_all` is a diagnostic.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"gfx942\"",
           "Chip to build kernels for: gfx942, gfx950 or sm_90">,
    Option<"gemmLoads", "gemm-loads", "::mlir::moe::GemmLoads",
           /*default=*/"::mlir::moe::GemmLoads::Auto",
           "How the GEMM's k loop loads its operands where a GEMM has no "
           "plan (see KernelOptions)",
           [{::mlir::moe::gemmLoadsValues()}]>,
    Option<"routeChecks", "route-checks", "bool", /*default=*/"true",
           "Whether the align kernels report route ids outside the experts "
           "(false: such routes are dropped without a report)">
  ];
  let dependentDialects = [
    "::mlir::amdgpu::AMDGPUDialect",
    "::mlir::nvgpu::NVGPUDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::func::FuncDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::ROCDL::ROCDLDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def MoEPlanKernelsPass : Pass<"moe-plan-kernels"> {
  let summary = "Write the kernel plan of every grouped GEMM for a chip";
  let description = [{
    Gives each `moe.grouped_matmul` without a `plan` the `#moe.gemm_plan`
    that the planner (`planGroupedMatmul`) chooses for `target` from the
    op's block_m, block_n (its tile's, 64 without one), K, element type and
    epilogue, and `gemm-loads`; with `tokens`, a plan measured on the GPU
    for this problem and token count (`bench/tune_plans.py`, the table in
    `lib/Conversion/MoEToGPU/TunedPlans.inc`) comes before the model's.
    The GPU lowering builds each GEMM kernel
    from its plan, so that `moe-opt` shows every choice of the kernel and an
    edited plan is what runs. Plans already present are kept when they can
    run on `target`, and diagnosed (expected vs. found) when they cannot.
    `moe-compile` runs this pass before the lowering.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"gfx942\"",
           "Chip to plan for: gfx942, gfx950 or sm_90">,
    Option<"gemmLoads", "gemm-loads", "::mlir::moe::GemmLoads",
           /*default=*/"::mlir::moe::GemmLoads::Auto",
           "How the GEMM's k loop loads its operands",
           [{::mlir::moe::gemmLoadsValues()}]>,
    Option<"tokens", "tokens", "int64_t", /*default=*/"0",
           "Expected tokens per call: picks a measured plan where "
           "TunedPlans.inc has one for the GEMM at this T (0: the model's)">
  ];
}

#endif // MOE_CONVERSION_PASSES_TD
