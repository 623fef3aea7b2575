//===- Passes.td - graph-level passes of moe-mlir ----------*- tablegen -*-===//
//
// Declares the graph passes that rewrite moe programs on tensors.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_PASSES_TD
#define MOE_PASSES_TD

include "mlir/Pass/PassBase.td"

def MoERaiseLinalgPass : Pass<"moe-raise-linalg"> {
  let summary = "Raise MoE routers, experts and RMSNorms from torch-mlir's linalg-on-tensors to moe ops";
  let description = [{
    Recognizes, in linalg-on-tensors as torch-mlir's
    `torch-backend-to-linalg-on-tensors-backend-pipeline` emits it (one
    `linalg.generic` per elementwise aten op or reduction, `tm_tensor.sort`
    for `aten.topk`), and rewrites:

    - **the router**: `softmax(x)` (decomposed: max, sub, exp, sum, div over
      the last dimension) or `sigmoid(x)`, sorted descending with an iota
      (`tm_tensor.sort` with `arith.cmpf oge`), the first k columns of both
      sliced off (or one `tm_tensor.topk` with `arith.cmpf ogt` into outs of
      -inf), optionally divided by their sum (`norm_topk_prob`) ->
      `moe.gate top_k k softmax|sigmoid [renormalize]`. The ids are widened
      back to the sliced integer type. A division by anything but the plain
      sum (Hugging Face's DeepSeek-V3 divides by `sum + 1e-20`) is not
      raised: the gate is raised without `renormalize` and the division
      stays, so the math is unchanged.
    - **RMSNorm** as Hugging Face writes it: `w * (x * rsqrt(mean(x^2) +
      eps))` with the casts to f32 and back -> `moe.rms_norm` (`offset 1.0`
      for Gemma's `(1 + w)`); with a residual add before it (`add.Tensor` of
      two tensors of its type), `moe.add_rms_norm`, whose sum replaces the
      add's.
    - **the experts** in Hugging Face's `batched_mm` form: token rows
      repeated k times, expert weights gathered by id, a batched
      matrix-vector product, silu(gate) * up of the two halves, the second
      product, each route times its weight, the sum over k ->
      `moe.experts ... activation <silu_mul>`; and sharktank's pre-gathered
      form (weights gathered by the `[T, k]` ids, broadcast multiplies
      summed over the last dimension, separate gate and up weights, which
      are copied into one `[E, 2I, H]` operand per call). The `batched_mm`
      form may also gather the token rows by each route's token index, add
      an expert bias after each product, compute gpt-oss's gate
      (`_apply_gate`: clamps, sigmoid of the even columns times the odd ones
      plus 1), take transposed weights (`[E, H, 2I]`, `[E, I, H]`, transposed
      once per call) and add the weighted routes into zero token rows with
      a `tm_tensor.scatter` (`index_add_`) ->
      `moe.experts ... activation <swiglu_oai, layout = interleaved>
      biases %b1, %b2`.
    - A router's top-k of the logits followed by a softmax over the k values
      (gpt-oss) -> `moe.gate top_k k softmax renormalize`.
    - DeepSeek-V3's router: `sigmoid(x) + bias` with the experts outside the
      best groups (a group's score: the sum of its two highest) masked to
      -inf (torch-mlir's scatter of ones into zeros, broadcast, `~bool`,
      select), the top-k of that, the weights gathered from `sigmoid(x)` ->
      `moe.gate %x bias %b top_k k sigmoid groups G keep K`. A mask filled
      with anything but -inf is not raised.

    Numerics: moe ops compute in f32 and round once, where the model IR
    rounds some intermediates to the element type (for bf16: the normalized
    rows before the weight, the gate/up rows, each route before the sum).
    The results agree within the element type's tolerance; ties in the
    top-k go to the lower expert id (`tm_tensor.sort` is not stable).

    Everything not matched stays as it is, except that an elementwise
    narrowing of a widening back to the original type (`truncf(extf(x))`,
    `trunci(extsi(x))`, exact) is folded to `x`: the raised ops return their
    own element types where the model IR had widened them. With `report`,
    every candidate
    (each `tm_tensor.sort`, each generic computing `math.rsqrt`, each sum
    over dimension 1 of a rank-3 tensor) gets a remark: what it was raised
    to, or why it was not.
  }];
  let options = [
    Option<"report", "report", "bool", /*default=*/"false",
           "emit a remark for every candidate: what was raised, or why not">
  ];
  let dependentDialects = ["::mlir::moe::MoEDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def MoEExpandExpertsPass : Pass<"moe-expand-experts"> {
  let summary = "Decompose moe.experts into align, two grouped GEMMs, activation and combine";
  let description = [{
    `moe.experts` becomes

    ```mlir
    %s, %b, %c = moe.align %ids experts E block_m BM
    %h = moe.grouped_matmul %x, %w1, %s, %b, %c rows tokens top_k k block_m BM  // [T*k, 2I]
    %a = moe.activation %h <act>                                                 // [T*k, I]
    %o = moe.grouped_matmul %a, %w2, %s, %b, %c rows routes top_k k block_m BM  // [T*k, H]
    %y = moe.combine %o, %weights                                                // [T, H]
    ```

    BM is the tile's `block_m` when the op carries `tile`, else `block-m`; the
    tile is copied to both GEMMs. With BM 1 (route order, what the tile cost
    model picks at decode) there is no moe.align: both GEMMs take
    `route_ids %ids` and report bad ids themselves. Requires a static expert
    count E and top-k.
    Numerics: the intermediates are rounded to the element type (bf16: a
    relative 2^-9 per rounding), so results agree with the unexpanded op
    within the bf16 tolerance of the CPU tests (1e-2 relative).

    The expanded ops take T from different operands (align from `ids`, the
    GEMMs from `x`), so the size relations of `moe.experts` that its types
    leave open are kept first as `moe.check_size` ops: a compiled program
    reports a mismatch exactly as the unexpanded op does.
  }];
  let options = [
    Option<"blockM", "block-m", "int64_t", /*default=*/"16",
           "block_m of moe.align when the op has no tile (a power of two in [16, 256], or 1: route order without moe.align)">
  ];
  let dependentDialects = ["::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def MoEFuseSwiGLUGemm1Pass : Pass<"moe-fuse-swiglu-gemm1"> {
  let summary = "Fuse a gated moe.activation into the grouped GEMM that feeds it";
  let description = [{
    A `moe.grouped_matmul` without epilogue activation whose only user is a
    gated `moe.activation` (silu_mul, gelu_mul, swiglu_oai; split or
    interleaved) becomes one `moe.grouped_matmul` with that activation as its
    epilogue: the 2I-wide intermediate and its round trip through memory
    disappear. Does not fire when the GEMM result has other users, when the
    GEMM already has an activation, or when its output width N is dynamic.
    Numerics: the gate/up values are no longer rounded to the element type
    before the activation (one rounding less).
  }];
}

def MoEFuseCombineGemm2Pass : Pass<"moe-fuse-combine-gemm2"> {
  let summary = "Fuse moe.combine into the route-order GEMM that feeds it";
  let description = [{
    A route-order `moe.grouped_matmul` (`route_ids`, block_m 1) with rows
    routes, no weights and no activation, whose only user is a
    `moe.combine` of its result, becomes one `moe.grouped_matmul` with the
    combine's scale as `weights` and `sum_routes`: it sums each token's k
    routes in f32 and writes `[T, N]`, so that the `[T * k, N]`
    intermediate and the combine's launch disappear (on a GPU each
    workgroup computes a token's columns over its k routes).

    Does not fire when the GEMM has other users, weights or an activation,
    when the combine takes an expert range or ids other than the GEMM's
    (with ids, its expert count must be the GEMM's E), or when top-k is
    above 32 (the GPU kernel reads a token's routes across the lanes of
    one wave).

    With a `target` chip that has mma.sync (sm_90), a GEMM of fp4 weights
    with mx scales and bf16 A, or of OCP fp8 weights and A with scales
    that are not mx, stays unfused: its kernel plan there
    (mma_row_dot, 8 routes a pass on the tensor cores) does not sum routes,
    and the row-dot kernel that does widens each weight run for one route
    (bench/results/h100/mma-row-dot).

    Numerics: the routes are no longer rounded to the element type before
    the sum. With u the unit roundoff of the element type (2^-8 for bf16),
    each output differs from the unfused one by at most
    u * sum_j |scale[t, j] * route_j| before the final rounding.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"cpu\"",
           "chip the GEMMs are built for: cpu, gfx942, gfx950 or sm_90">,
  ];
}

def MoEFuseActivationQuantPass : Pass<"moe-fuse-activation-quant"> {
  let summary = "Fuse a row moe.quantize into the GEMM that feeds it";
  let description = [{
    A `moe.quantize` with a scheme of one row (`per_row`, `block [1, n]`,
    `mx`) whose input is a `moe.grouped_matmul` result with no other user
    becomes the GEMM's `out_quant <scheme> from T`, T the GEMM's result
    element type: the GEMM returns the fp8/fp4 values and their scales, so
    that the `[rows, N]` activation is not written and read back between
    GEMM1's epilogue (SwiGLU, after --moe-fuse-swiglu-gemm1) and the
    quantization that GEMM2 reads.

    Does not fire when the GEMM already quantizes its result, sums routes
    (`sum_routes`), or has other users, or when the scheme's groups span
    several rows (`per_tensor`, `block [m, n]` with m > 1).

    Numerics: none change. The fused GEMM rounds each row to T before it
    quantizes it with the rule of `moe.quantize`, so values and scales are
    bit for bit those of the unfused pair, rows that no block computes
    included (the quantization of a zero row, as the unfused GEMM's zero
    rows quantize).
  }];
}

def MoELegalizeFp8Pass : Pass<"moe-legalize-fp8"> {
  let summary = "Check that every fp8 value is the chip's fp8 flavor; optionally convert OCP weights to FNUZ";
  let description = [{
    gfx942 multiplies FNUZ fp8 (`f8E4M3FNUZ`: exponent bias 8, no infinities
    or -0, NaN at 0x80, largest 240); gfx950 and sm_90 multiply OCP fp8
    (`f8E4M3FN`: bias 7, NaN at 0x7F/0xFF, largest 448). Every fp8 operand,
    result and `act_type` of `moe.experts`, `moe.grouped_matmul`,
    `moe.quantize` and `moe.dequantize` of the other flavor is an error that
    names the value, the type found and the type expected. fp4 and bf16 are
    legal everywhere (a chip without fp4 MMAs widens them in registers).

    `ocp-to-fnuz=true` (gfx942) converts OCP fp8 weights instead, as the
    checkpoints of DeepSeek-V3 and others ship them: each `w`, `w1`, `w2`
    operand with f32 scales (per_tensor, per_row, block) becomes its bits
    read as FNUZ, which is half the value (OCP's -0, 0x80, becomes +0, as
    0x80 is FNUZ's NaN), and its scales doubled, by two elementwise
    `linalg.generic`s before the first user (one pair per weight tensor).
    Every `f32(value) * scale` is unchanged, so the layer computes the same
    numbers: bit for bit on the CPU reference. OCP NaN codes (0x7F, 0xFF)
    would become finite FNUZ numbers (±240); checkpoints hold none. MX
    weights (E8M0 scales) and activations (whose flavor the program chooses:
    write `f8E4M3FNUZ` for gfx942) are not converted and stay errors.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"gfx942\"",
           "chip whose fp8 flavor is legal: gfx942 (FNUZ), gfx950 or sm_90 (OCP)">,
    Option<"ocpToFnuz", "ocp-to-fnuz", "bool", /*default=*/"false",
           "gfx942: convert OCP fp8 weights with f32 scales to FNUZ (bits reinterpreted, scales doubled) instead of reporting them">
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def MoESkipInterStageQuantPass : Pass<"moe-skip-inter-stage-quant"> {
  let summary = "Let GEMM2 read the activations unquantized (a16w8, a16w4) where the cost model says so";
  let description = [{
    A `moe.grouped_matmul` over routes (GEMM2) whose `a` and `a_scales` are
    the results of a `moe.quantize` of `X`, with quantized weights, becomes
    the same GEMM on `X` itself, without `a_scales`: an a16w8 or a16w4 GEMM
    (AITER runs the MXFP4 MoE's stage 2 this way). The quantize goes away
    when nothing else reads it.

    `mode=always` rewrites every such GEMM, `mode=never` none. `mode=auto`
    (the default) asks the cost model of `target` (gfx942, gfx950, sm_90;
    `lib/Target/InterStageQuantModel.cpp`), per route of the layer:

    - quantized: GEMM1's epilogue writes the fp8/fp4 row and its scales and
      GEMM2 reads them, or, where `--moe-fuse-activation-quant` cannot fuse
      the quantize into GEMM1, GEMM1 writes the wide row and a quantize
      kernel reads it and writes the quantized one; GEMM2 multiplies at the
      chip's rate for the two formats (2x bf16 for fp8 of the chip's own
      flavor, and for fp8 x fp4 on gfx950; 4x for fp4 x fp4 on gfx950);
    - skipped: GEMM1 writes the wide row, GEMM2 reads it and multiplies at
      the bf16 rate (the weights widened in registers).

    Bytes move at the chip's HBM bandwidth and MMAs run at its peak. Both
    costs grow with the routes, so the choice does not depend on T. It
    skips where the skipped cost is lower, which takes a quantize that
    cannot be fused, and then either a format the chip cannot multiply (fp4
    on gfx942 and sm_90, an fp8 flavor that is not the chip's) or a GEMM2
    too narrow for the faster MMAs to pay for the quantize kernel (fp4 with
    H = 64 on gfx950; H = 4096 keeps it). With no chip (`target=cpu`, or none
    given) `auto` keeps the quantization.

    Does not fire on GEMM1 (rows of tokens), on an `a` that is not a
    `moe.quantize` result (the quantization already fused into GEMM1's
    `out_quant`: run this pass first, as moe-optimize does), or where `X`'s
    element type is not the GEMM's result type (or its `out_quant` from-type),
    which an unquantized `a` must be.

    Numerics: they change. GEMM2 multiplies the activations as GEMM1 rounded
    them (bf16/f16) instead of their fp8/fp4 quantization, so the result is
    closer to the unquantized layer's than the quantized program's is, and no
    longer equal to it. `mode=never` keeps the program's numerics.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"cpu\"",
           "chip whose cost model decides in mode=auto: gfx942, gfx950, sm_90, or cpu (auto keeps the quantization)">,
    Option<"mode", "mode", "std::string", /*default=*/"\"auto\"",
           "auto (the cost model of target), always or never">
  ];
}

def MoEDeferAllReducePass : Pass<"moe-defer-allreduce"> {
  let summary = "Sink tensor-parallel all_reduce into the next residual add + RMSNorm";
  let description = [{
    Sinks `moe.all_reduce` through ops that commute with a sum over ranks:
    `AR(a) + AR(b) -> AR(a + b)` (same group, each reduced value used once),
    `c * AR(a) -> AR(c * a)` for a replicated `c` (a constant, the result of
    an all_reduce or all_gather over the same group, or elementwise arith of
    those), and reshapes
    (`tensor.expand_shape`, `tensor.collapse_shape`). Then fuses
    `AR(x) + residual -> moe.rms_norm` (and `AR(x) -> moe.add_rms_norm`) into
    `moe.all_reduce_add_rms_norm`, whose `residual_out` replaces every other
    use of the sum: across layer boundaries inside a function (the output of
    layer i into the input norm of layer i+1, the last layer into the final
    norm).

    Does not fire when the reduced value has another user (the fused op only
    returns the normalized value and the new residual), when the groups of
    two reductions differ, or when the sum reaches the norm through anything
    but the add (so a norm over another axis, after a transpose, is left
    alone). Reassociating floating-point sums changes rounding by at most one
    rounding of the element type per moved add; sinking through
    `arith.truncf`/`arith.extf` changes the precision in which ranks are
    summed and only happens with `allow-cast-reassociation`.
  }];
  let options = [
    Option<"allowCastReassociation", "allow-cast-reassociation", "bool",
           /*default=*/"false",
           "also sink all_reduce through arith.truncf and arith.extf "
           "(sums partials in the other precision)">
  ];
}

def MoEPruneRemoteExpertsPass : Pass<"moe-prune-remote-experts", "::mlir::ModuleOp"> {
  let summary = "Expert parallelism: compute only the routes of this rank's experts";
  let description = [{
    With `ep-size=N`, rank `r` owns experts `[r*E/N, (r+1)*E/N)`. Every
    `moe.experts` becomes the expanded form (see `--moe-expand-experts`)
    over the local experts only: `moe.align ... experts E/N range %begin`
    with `%begin = ep_rank * E/N` drops remote routes and sizes every buffer
    for E/N experts (`total_experts = E`: ids outside `[0, E)` are still
    reported); the GEMMs read the local weight slices; remote routes
    contribute zero to `moe.combine`; then `moe.all_reduce` over the `ep`
    group (size N, added to the module's `#moe.parallel` layout) sums the
    ranks' partial outputs, so the result equals the unpruned computation.

    New signature of a function that contains a pruned `moe.experts`: a
    W1/W2 that is a function argument is retyped to its local slice
    `[E/N, 2I, H]` / `[E/N, H, I]`, and one trailing `index` argument
    `ep_rank` (marked `moe.ep_rank`) is appended; a weight that is not an
    argument is sliced with `tensor.extract_slice` at the rank's offset.
    A weight shared by several moe.experts ops is localized once. The `ep`
    group goes into the layout the function's collectives see (its own
    `moe.parallel`, else the module's). One program serves every rank.
    `E % N != 0`, an existing `ep` group of another size, or a function
    that has callers is a diagnostic. With `reduce=false` no all_reduce is
    inserted: the function returns this rank's partial sum (the caller
    combines ranks).
  }];
  let options = [
    Option<"epSize", "ep-size", "int64_t", /*default=*/"1",
           "number of expert-parallel ranks N (1 leaves the program alone)">,
    Option<"reduce", "reduce", "bool", /*default=*/"true",
           "insert the all_reduce over 'ep' that sums the ranks' outputs">,
    Option<"blockM", "block-m", "int64_t", /*default=*/"16",
           "block_m of moe.align when the op has no tile">
  ];
  let dependentDialects = ["::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def MoESelectTilesPass : Pass<"moe-select-tiles"> {
  let summary = "Choose the tile configuration of each grouped GEMM from a cost model";
  let description = [{
    Annotates every `moe.experts` and `moe.grouped_matmul` with a
    `#moe.tile`: the expected routes per local expert under uniform routing
    (`T*k/E_local`); the `block_m` (16/32/64/128, multiples of the target's
    MMA rows) with the least modelled time, where each expert's expected row
    blocks (its route count is Binomial(T*k, 1/E)) stream its weights once
    each and run `block_m`-row MMAs at the chip's peak, so that a `block_m`
    that just covers the mean count, which leaves about half of the experts
    a second block, loses to the next size up; or, where the GPU tuning
    table (`TunedPlans.inc`) measured a plan for the GEMM at exactly this T,
    that plan's `block_m`; and `block_n` from the MMA shapes and the
    LDS budget (double-buffered A and B tiles), with enough workgroups to
    fill the compute units. (The model also weighs a K block and K splits;
    the kernels' own choices of those are their plans, `moe-plan-kernels`.) A
    `moe.grouped_matmul` keeps its `block_m` (moe.align fixed it). Targets:
    gfx942, gfx950, sm_90. `tokens` is the expected token count T (0: the
    static T of the op, else a diagnostic); a function's `moe.token_bucket`
    sets its own expected T instead. `ep-size` divides the experts. On chips
    that stream decode weights as row dot products (sm_90) a `moe.experts`
    with at most E / 4 routes and every expert local gets `block_m` 1: route
    order, no moe.align (`route-order=false` keeps aligned blocks, for
    kernels forced to MMA tiles).
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"gfx942\"",
           "chip to tile for: gfx942, gfx950 or sm_90">,
    Option<"routeOrder", "route-order", "bool", /*default=*/"true",
           "let decode moe.experts run in route order (block_m 1) where the model picks it">,
    Option<"tokens", "tokens", "int64_t", /*default=*/"0",
           "expected tokens per call T (0: use the op's static T)">,
    Option<"epSize", "ep-size", "int64_t", /*default=*/"1",
           "expert-parallel ranks: each rank has E/ep-size experts">
  ];
}

def MoESplitTokenBucketsPass : Pass<"moe-split-token-buckets", "::mlir::ModuleOp"> {
  let summary = "Copy each function with a dynamic token count once per token bucket";
  let description = [{
    A GPU library serves every token count T, but its tiles and kernel
    plans are chosen for one expected T. This pass gives each public
    function `@f` whose `moe.experts` (or token-row `moe.grouped_matmul`)
    has a dynamic T one private copy per token bucket,
    `@f__t<min>[_<max>|_up]`, marked
    `moe.token_bucket = {of = @f, min, max, expected}`; `moe-select-tiles`
    and `moe-plan-kernels` plan each copy for its `expected` T. `@f` becomes
    a private declaration until `moe-dispatch-token-buckets` gives it the
    body that calls the bucket of the run-time T.

    Buckets: T = 1, 2-4, 5-16, 17-64, 65-256, 257-1024 and 1025 up,
    clipped to [`min-tokens`, `max-tokens`]; each is planned for its largest
    T, the unbounded one for 4096 (or its least T when larger). Every copy is
    correct for every T; a T outside the range runs in the nearest bucket.

    T is dim 0 of the argument the op's token rows come from, followed back
    through the first operand with a dynamic dim 0 of each op (norms,
    collectives, elementwise ops); that argument is marked `moe.tokens`.
    A token count computed otherwise is a diagnostic. Functions with a
    static T, or with no op to plan, are left alone.
  }];
  let options = [
    Option<"minTokens", "min-tokens", "int64_t", /*default=*/"1",
           "least T to plan a bucket for (>= 1)">,
    Option<"maxTokens", "max-tokens", "int64_t", /*default=*/"0",
           "largest T to plan a bucket for (0: no bound)">
  ];
}

def MoEDispatchTokenBucketsPass : Pass<"moe-dispatch-token-buckets", "::mlir::ModuleOp"> {
  let summary = "Give each bucketed function the call of the bucket of the run-time T";
  let description = [{
    For each function `@f` that `moe.token_bucket` functions name, builds
    `@f`'s body: `T = tensor.dim` of the argument marked `moe.tokens`, then
    a chain of `scf.if T <= max` over the buckets in order of `min` that
    calls the first bucket holding T (the last one takes every larger T, the
    first every smaller one). `@f` takes the buckets' signature and argument
    attributes (pruning may have changed them since the split) and becomes
    public. Buckets of one dispatcher with different signatures, without a
    `moe.tokens` argument, or whose ranges do not follow each other (only
    the last may be unbounded), and a called dispatcher whose signature the
    buckets changed, are diagnostics.

    With `merge`, neighbouring buckets whose bodies are equal (same tiles
    and kernel plans) become one, which takes both ranges and is renamed by
    them. moe-optimize runs this pass without `merge` (tiles alone do not
    decide the kernels); the GPU pipeline runs it again with `merge` after
    `moe-plan-kernels`.
  }];
  let options = [
    Option<"merge", "merge", "bool", /*default=*/"true",
           "merge neighbouring buckets whose bodies are equal">
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

#endif // MOE_PASSES_TD
