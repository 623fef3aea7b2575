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

    Collectives are the identity over a group of one rank. Over more ranks
    they become calls of the runtime's `moe_collective_*` functions on host
    buffers, which the Open MPI backend implements (`moe-run --mpi` under
    `mpirun`; README, "Collectives"): all_reduce and reduce_scatter sum in
    rank order in double precision and round once (16-bit data over more
    than two ranks is widened to f32 first), all_gather stacks in rank
    order, all_to_all exchanges the counts then the rows, and
    all_reduce_add_rms_norm is all_reduce then add_rms_norm. Expert ids outside `[0, E)` in
    `moe.experts` and `moe.align` (its bound: AlignOp::getRouteIdBound) are
    a run-time check failure (tag -(id + 1): their count, the first one's id
    and token); such routes and invalid block/route entries in
    `moe.grouped_matmul` contribute zero instead of reading out of bounds.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::func::FuncDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def ConvertTMTensorToLoopsPass
    : Pass<"convert-tm-tensor-to-loops", "::mlir::ModuleOp"> {
  let summary = "Lower tm_tensor.sort, topk and scatter to loops over tensors";
  let description = [{
    The CPU reference of the `tm_tensor` ops that model IR holds, so that it
    runs unraised (moe-compile --target=cpu runs this pass first). Each op
    becomes scf.for loops with tensor.extract / tensor.insert, its region
    inlined at each comparison or combination:

    - `sort`: an insertion sort of every line along `dimension`: an element
      moves before its neighbour while the region says it goes first. With a
      strict order (`ogt`, `olt`) the sort is stable.
    - `topk`: each value of a line, in order, is inserted into the line of
      the `outs`, whose initial values take part (as in torch-mlir): at each
      of the k slots, when the region says the candidate goes first, it
      takes the slot and the displaced value moves on. Without indices in
      `ins`, a value's index is its position.
    - `scatter`: update `i`'s slice combines, through the region, with
      `outs` at index tuple `i` (entry `j` indexes dim `dimension_map[j]`);
      the slice's dims are the trailing dims of `outs`, offset by the tuple
      where they overlap. A tuple whose slice would leave `outs` is skipped
      and reported as a run-time check failure ("N index tuples outside
      outs, first X at update U").
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
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

def MoEAttachKernelTargetPass
    : Pass<"moe-attach-kernel-target", "::mlir::ModuleOp"> {
  let summary = "Give gpu.modules without a target the chip's target";
  let description = [{
    The kernels outlined from linalg loops (router GEMMs, residual adds,
    fills) land in `gpu.module`s without a target attribute; this gives
    each the target attribute of `target` (`#rocdl.target` or
    `#nvvm.target`), as the moe kernels' module has.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"gfx942\"",
           "Chip of the kernels: gfx942, gfx950 or sm_90">
  ];  let dependentDialects = [
    "::mlir::gpu::GPUDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::ROCDL::ROCDLDialect"
  ];
}

def MoEUseIREEKernelABIPass
    : Pass<"moe-use-iree-kernel-abi", "::mlir::ModuleOp"> {
  let summary = "Kernels take IREE's HIP argument list: bindings, then i32 constants";
  let description = [{
    IREE's HIP runtime launches an external kernel with the binding
    pointers in order, then 32-bit push constants. This pass gives every
    kernel (`gpu.func ... kernel`) that argument list and repacks every
    `gpu.launch_func` to match:

    - each memref argument becomes a bare pointer (`!llvm.ptr`), in order;
    - then, argument by argument, a scalar becomes one i32 (index truncated
      to 32 bits, f16/bf16/f32 as their bits, narrower integers
      zero-extended) or two (the low and high words of an i64 or f64), and
      a memref's dynamic sizes become one i32 each.

    The kernel rebuilds its memrefs from the pointer and sizes (offset 0,
    row-major strides), so its body is unchanged. Sizes and index scalars
    are truncated to 32 bits, as IREE's push constants are; larger values
    are not diagnosed. Each
    kernel's `known_block_size` is set from its launches, whose workgroup
    sizes must be constants and agree (IREE fixes it per export).

    Diagnosed (expected vs. found): a memref argument that is not
    contiguous row-major with static strides, or has a memory space, a scalar of another type, a workgroup size computed at
    run time, launches of one kernel with different workgroup sizes.
    `moe-compile --kernel-abi=iree` runs it; `--emit=iree` builds the
    kernels of its IREE module with it.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::memref::MemRefDialect"
  ];
}

def MoEUseDeviceBuffersPass
    : Pass<"moe-use-device-buffers", "::mlir::func::FuncOp"> {
  let summary = "Host buffers become device buffers (gpu.alloc / dealloc / memcpy)";
  let description = [{
    In host functions of a GPU target, `memref.alloc`, `memref.dealloc` and
    `memref.copy` become `gpu.alloc`, `gpu.dealloc` and `gpu.memcpy`: the
    arguments and results of the entry points are device memory (the host
    ABI in the README). The deallocs are those of upstream's
    ownership-based buffer deallocation, which runs before this pass; the
    stream orders each after the kernels launched before it. Its
    pointer-equality guards of a returned buffer against its own base
    buffer (always equal) are folded away first.

    Diagnosed: host functions of more than one block, and loads or stores
    of buffer contents on the host (every access must run in a kernel;
    host globals such as the run-time check state are exempt).
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def MoEPrepareHostFunctionsPass
    : Pass<"moe-prepare-host-functions", "::mlir::ModuleOp"> {
  let summary = "Mark entry points for C-interface wrappers; drop moe attributes";
  let description = [{
    Public functions with a body get `llvm.emit_c_interface`, so that their
    `_mlir_ciface_` wrappers (memref descriptors by pointer) are emitted;
    the moe argument and function attributes (`moe.tokens`, `moe.ep_rank`,
    `moe.token_bucket`), which mean nothing to LLVM, are dropped.
  }];
}

def MoEExpandKernelMathPass
    : Pass<"moe-expand-kernel-math", "::mlir::gpu::GPUModuleOp"> {
  let summary = "erf as a polynomial in kernel modules (no device library call)";
  let description = [{
    Applies upstream's polynomial approximation of `math.erf`
    (`populatePolynomialApproximateErfPattern`) in each `gpu.module`.
  }];  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def MoELowerSubgroupReducePass
    : Pass<"moe-lower-subgroup-reduce", "::mlir::gpu::GPUModuleOp"> {
  let summary = "gpu.subgroup_reduce as butterflies of 32-bit gpu.shuffles";
  let description = [{
    Breaks `gpu.subgroup_reduce` of any width into 32-bit pieces and lowers
    them (clustered or not) to shuffles over a wave of `wave-size` lanes,
    with upstream's patterns; the NVVM and ROCDL conversions lower only
    some reductions themselves.
  }];
  let options = [
    Option<"waveSize", "wave-size", "unsigned", /*default=*/"64",
           "Lanes of a wave (64 on CDNA, 32 on NVIDIA)">
  ];  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def MoEStridedCopiesToLoopsPass
    : Pass<"moe-strided-copies-to-loops", "::mlir::func::FuncOp"> {
  let summary = "Turn memref.copy of strided buffers into linalg.copy";
  let description = [{
    A `memref.copy` whose source or target has a non-identity layout (the
    copy of a `tensor.extract_slice` into a function result, say) becomes
    `linalg.copy`, which convert-linalg-to-loops makes loops. MLIR's LLVM
    lowering would otherwise call `memrefCopy` from the MLIR runner
    utilities, which CPU libraries do not link. Copies between
    identity-layout buffers stay (they become `llvm.memcpy`). The CPU
    pipeline runs it after bufferization.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def MoEExpandSmallFloatConversionsPass
    : Pass<"moe-expand-small-float-conversions"> {
  let summary = "Expand arith.extf and arith.truncf of fp8, fp4 and E8M0 into integer ops";
  let description = [{
    `arith.extf` from and `arith.truncf` to `f8E4M3FN` (OCP), `f8E4M3FNUZ`
    (gfx942's) and `f4E2M1FN` (OCP MX), and `arith.extf` from `f8E8M0FNU`
    to f32, become integer and f32 operations, which the LLVM lowering of a
    host CPU or a GPU accepts (LLVM has no such float types). `truncf` rounds to
    nearest, ties to even, as APFloat and the OCP specifications do (the
    `arith-expand` patterns of MLIR 22 round fp4 ties away from zero and
    lose the sign of zero). A magnitude that rounds past the largest finite
    value (448, 240), and NaN, become the fp8 type's NaN (S.1111.111; 0x80
    for FNUZ, which has no negative zero); fp4 has no NaN and saturates to
    +-6 (NaN too, with its sign). E8M0 code 0 is 2^-127, an f32 subnormal
    (upstream's expansion flushes it to 0); 0xFF is NaN. A `truncf` from a
    type wider than f32 (double rounding) or with a rounding mode other than
    to nearest even is left alone, and the LLVM lowering then rejects it.
    The CPU pipeline runs it, and the GPU kernel lowering on each kernel
    module (fp8 GEMM operands, moe.quantize).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def MoETestWidenPackedFp4Pass
    : Pass<"moe-test-widen-packed-fp4", "::mlir::ModuleOp"> {
  let summary = "Test only: calls of @moe_test_widen_packed_fp4 become the "
                "GPU kernels' fp4 widening";
  let description = [{
    Each `func.call @moe_test_widen_packed_fp4(%bytes) : (vector<N x i8>) ->
    vector<2N x f32>` (N a multiple of 4) is replaced by the integer and
    f16 operations with which the row-dot GEMM kernel widens a run of
    packed fp4 weights (two E2M1 codes per byte, the low nibble first;
    each value times 2^-14). Calls of `@moe_test_widen_packed_fp4_bf16`
    (same signature) become the mma_row_dot kernel's widening into bf16
    pairs of codes c and c + 4 of each 32-bit word, times 2^126 in bf16,
    widened to f32 and put back in code order. Any other signature is an
    error. It lets a CPU run (`mlir-runner`) check the widening of every
    byte against the format's definition
    (`test/Conversion/Common/packed-fp4.mlir`, `packed-fp4-bf16.mlir`).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::vector::VectorDialect"];
}

def MoEReadOnlyArgumentsPass
    : Pass<"moe-read-only-arguments", "::mlir::ModuleOp"> {
  let summary = "Mark tensor arguments of host functions not writable for bufferization";
  let description = [{
    Gives every tensor argument of a function with a body
    `bufferization.writable = false`. The host ABI's operands belong to the
    caller, and each result is a buffer the caller frees: one-shot
    bufferization must then write results into new buffers, never into an
    operand (a residual add `x + y` otherwise overwrites `x` and returns it,
    and a caller that frees the result frees its own input). Elementwise
    ops whose output operand their body does not read get a new buffer
    without a copy.
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect"];
}

def MoEDeallocateHostBuffersPass
    : Pass<"moe-deallocate-host-buffers", "::mlir::func::FuncOp"> {
  let summary = "Upstream's buffer-deallocation-pipeline on host functions that own buffers";
  let description = [{
    Runs upstream's ownership-based deallocation pipeline
    (`buffer-deallocation-pipeline`: ownership-based-buffer-deallocation,
    simplification, lowering to `memref.dealloc`) on each host function
    that allocates, so that every buffer it does not return is freed.

    A function that allocates nothing and only forwards the buffers its
    calls return to its own results owns nothing to free: the token-bucket
    dispatcher (`moe-dispatch-token-buckets`) is such a function, and
    running the pipeline on it would add run-time ownership flags (and,
    for two results, a library call that a function pass cannot insert).
    It is left alone. Any other function (one that drops or stores a
    returned buffer) goes through the pipeline.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect"
  ];
}

#endif // MOE_CONVERSION_PASSES_TD
