//===- MoEOps.td - operations of the moe dialect -----------*- tablegen -*-===//
//
// Declares routing, expert, normalization and collective operations.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_OPS_TD
#define MOE_OPS_TD

include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "MoE/MoEDialect.td"
include "MoE/MoEInterfaces.td"
include "MoE/MoEAttrs.td"
include "MoE/MoEEnums.td"

// Activation tensors: what tokens, routes and hidden states are stored in.
def MoE_DataTensor : RankedTensorOf<[BF16, F16, F32]>;
def MoE_F32Tensor : RankedTensorOf<[F32]>;
def MoE_I32Tensor : RankedTensorOf<[I32]>;
def MoE_CountTensor : 0DTensorOf<[I32]>;
// Quantized values: OCP fp8 (gfx950, sm_90), FNUZ fp8 (gfx942) and OCP fp4
// (one code per byte in CPU libraries; .npy files pack two per byte, the
// element of even index in the low nibble).
def MoE_QuantTensor : RankedTensorOf<[F8E4M3FN, F8E4M3FNUZ, F4E2M1FN]>;
// Scales: f32, or OCP MX's power-of-two f8E8M0FNU.
def MoE_ScaleTensor : RankedTensorOf<[F32, F8E8M0FNU]>;

//===----------------------------------------------------------------------===//
// Routing
//===----------------------------------------------------------------------===//

def MoE_GateOp : MoE_Op<"gate",
    [Pure, DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
        ["reifyResultShapes"]>]> {
  let summary = "router: expert scores, top-k selection and routing weights";
  let description = [{
    Turns router logits `[T, E]` into routing weights `[T, k]` (f32) and
    expert ids `[T, k]` (i32). In f32:

    1. `s = softmax(logits[t])` over the experts, or `s = sigmoid(logits[t])`.
    2. Selection scores `b = s + bias` (bias `[E]`, optional, selection only).
    3. With `groups G keep K`: experts form `G` equal groups of `E / G`; a
       group's score is the sum of its two highest `b`; only experts of the
       `K` best groups stay selectable.
    4. `ids[t]` = the `k` selectable experts with the highest `b`, in
       descending order; ties go to the lower expert id.
    5. `weights[t, j] = s[ids[t, j]]` (unbiased); with `renormalize` divided
       by their sum over `j`; then times `scaling` (default 1).

    NaN: a NaN `b` ranks as `-inf` in steps 3 and 4 (ties again to the lower
    id), so `ids[t]` are always `k` distinct selectable experts; the weight
    of an expert with a NaN `s` is NaN (with `renormalize`, every weight of
    its token). One NaN logit makes a softmax row all NaN: its ids are
    experts `0 .. k-1` (the first `k` selectable ones), its weights NaN.

    softmax + renormalize equals gpt-oss's top-k-then-softmax; sigmoid with a
    bias, `groups 8 keep 4`, renormalize and `scaling 2.5` is DeepSeek-V3.

    ```mlir
    %w, %ids = moe.gate %logits top_k 4 softmax renormalize
        : tensor<?x128xbf16> -> tensor<?x4xf32>, tensor<?x4xi32>
    %w2, %ids2 = moe.gate %logits2 bias %b top_k 8 sigmoid renormalize
        groups 8 keep 4 scaling 2.5
        : tensor<?x256xf32>, tensor<256xf32> -> tensor<?x8xf32>, tensor<?x8xi32>
    ```
  }];
  let arguments = (ins
    MoE_DataTensor:$logits,
    Optional<MoE_DataTensor>:$bias,
    I64Attr:$top_k,
    MoE_ScoringFunc:$scoring,
    UnitAttr:$renormalize,
    OptionalAttr<I64Attr>:$n_group,
    OptionalAttr<I64Attr>:$topk_group,
    OptionalAttr<F32Attr>:$scaling
  );
  let results = (outs MoE_F32Tensor:$weights, MoE_I32Tensor:$ids);
  let assemblyFormat = [{
    $logits (`bias` $bias^)? `top_k` $top_k $scoring
    (`renormalize` $renormalize^)?
    custom<ExpertGroups>($n_group, $topk_group)
    (`scaling` $scaling^)?
    attr-dict `:` type($logits) (`,` type($bias)^)?
    `->` type($weights) `,` type($ids)
  }];
  let hasVerifier = 1;
}

def MoE_AlignOp : MoE_Op<"align",
    [Pure, DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
        ["reifyResultShapes"]>]> {
  let summary = "group routes by expert into blocks of block_m (moe_align_block_size)";
  let description = [{
    Route `r = t * k + j` goes to expert `ids[t, j]`. With `range %begin`
    only experts `[begin, begin + experts)` are local: routes to others are
    dropped and ids become `id - begin`; without it every id must be in
    `[0, experts)`. An id outside `[0, experts)` without `range`, or outside
    `[0, total_experts)` with it (only a negative id when `range` comes
    without `total_experts`), is an error: the route is dropped and the
    call's status reports the number of such routes, the first one's id and
    its token ("moe.align at layer.mlir:12:8: 3 route ids outside [0, 128),
    first 131 at token 5"). Routes are grouped by local expert in ascending expert
    order, ascending `r` within an expert, and each group is padded to a
    multiple of `block_m` with the sentinel `T * k`.

    - `sorted_route_ids [R_max]`: the padded groups, then sentinels.
    - `block_expert_ids [R_max / block_m]`: the local expert of each block,
      -1 past the padded count.
    - `padded_count`: the number of valid (padded) entries.

    `R_max = roundup(T * k + experts * (block_m - 1), block_m)`; both results
    are dynamic exactly when `T` is. `block_m` is a power of two in
    [16, 256].

    ```mlir
    %sorted, %blocks, %count = moe.align %ids experts 128 block_m 16
        : tensor<16x8xi32> -> tensor<2048xi32>, tensor<128xi32>, tensor<i32>
    %s, %b, %c = moe.align %ids2 experts 16 block_m 16 range %begin
        : tensor<?x8xi32> -> tensor<?xi32>, tensor<?xi32>, tensor<i32>
    ```
  }];
  let arguments = (ins
    MoE_I32Tensor:$ids,
    Optional<Index>:$expert_begin,
    I64Attr:$num_experts,
    I64Attr:$block_m,
    OptionalAttr<I64Attr>:$total_experts
  );
  let results = (outs
    MoE_I32Tensor:$sorted_route_ids,
    MoE_I32Tensor:$block_expert_ids,
    MoE_CountTensor:$padded_count
  );
  let assemblyFormat = [{
    $ids `experts` $num_experts `block_m` $block_m
    (`range` $expert_begin^)? attr-dict `:` type($ids) `->`
    type($sorted_route_ids) `,` type($block_expert_ids) `,` type($padded_count)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// R_max for `routes` routes (T * k), or ShapedType::kDynamic.
    int64_t getMaxPaddedRoutes(int64_t routes);
    /// The ids are checked against [0, bound): `experts` without a range,
    /// `total_experts` with one; none (only id >= 0) for a range without a
    /// total.
    std::optional<int64_t> getRouteIdBound();
  }];
}

//===----------------------------------------------------------------------===//
// Experts
//===----------------------------------------------------------------------===//

def MoE_ExpertsOp : MoE_Op<"experts", [Pure, AttrSizedOperandSegments]> {
  let summary = "the routed-expert computation (vLLM's fused_experts)";
  let description = [{
    For x `[T, H]`, W1 `[E, 2I, H]`, W2 `[E, H, I]`, routing weights `[T, k]`
    and ids `[T, k]`:

    `y[t] = sum_j weights[t, j] * W2[e] act(W1[e] x[t])`, `e = ids[t, j]`,

    with `act` the gated activation (`[2I] -> [I]`) and f32 accumulation;
    `y` has the element type of `x`. With `biases %b1, %b2` (`[E, 2I]` and
    `[E, H]`, bf16, f16 or f32, as gpt-oss's experts have them) each linear
    layer adds its expert's bias row before what follows it:

    `y[t] = sum_j weights[t, j] * (W2[e] act(W1[e] x[t] + b1[e]) + b2[e])`.
 An optional tile configuration fixes
    the block sizes of the expanded form (`--moe-expand-experts`).

    Quantized weights (`f8E4M3FN`, `f8E4M3FNUZ` or `f4E2M1FN`, both of the
    same type) come with `weight_scales` for W1 and W2 under one scheme
    (`#moe.quant`, see moe.dequantize): the weights in the formula are
    `f32(W[i]) * f32(scale of i)`. `act_quant` quantizes the A operand of
    each GEMM dynamically, one token's row at a time (`per_row`,
    `block [1, g]` or `mx`, with moe.quantize's rules) to the given type,
    and the GEMM reads its dequantized values: x for W1, and for W2 the
    activation output, first rounded to the element type of x (as an
    unfused GEMM1 would store it). Without `act_quant` GEMM1 reads x as
    given and GEMM2 the f32 activation output (a16w8, a16w4).

    T may be 0 (an empty batch: `y` is empty). H, 2I, E and k are at least 1
    where static (the verifier rejects 0); dynamic sizes must agree at run
    time, which the compiled program checks.

    ```mlir
    %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
        : (tensor<?x4096xbf16>, tensor<8x28672x4096xbf16>,
           tensor<8x4096x14336xbf16>, tensor<?x2xf32>, tensor<?x2xi32>)
        -> tensor<?x4096xbf16>
    %yb = moe.experts %x, %w1, %w2, %w, %ids
        activation <swiglu_oai, layout = interleaved> biases %b1, %b2
        : (tensor<?x2880xbf16>, tensor<32x5760x2880xbf16>,
           tensor<32x2880x2880xbf16>, tensor<?x4xf32>, tensor<?x4xi32>,
           tensor<32x5760xbf16>, tensor<32x2880xbf16>) -> tensor<?x2880xbf16>
    %yq = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
        weight_scales %s1, %s2 <block [128, 128]>
        act_quant <block [1, 128]> f8E4M3FN
        : (tensor<?x7168xbf16>, tensor<256x4096x7168xf8E4M3FN>,
           tensor<256x7168x2048xf8E4M3FN>, tensor<?x8xf32>, tensor<?x8xi32>,
           tensor<256x32x56xf32>, tensor<256x56x16xf32>)
        -> tensor<?x7168xbf16>
    ```
  }];
  let arguments = (ins
    MoE_DataTensor:$x,
    AnyTypeOf<[MoE_DataTensor, MoE_QuantTensor]>:$w1,
    AnyTypeOf<[MoE_DataTensor, MoE_QuantTensor]>:$w2,
    MoE_F32Tensor:$weights,
    MoE_I32Tensor:$ids,
    Optional<MoE_ScaleTensor>:$w1_scales,
    Optional<MoE_ScaleTensor>:$w2_scales,
    Optional<MoE_DataTensor>:$w1_bias,
    Optional<MoE_DataTensor>:$w2_bias,
    MoE_ActivationAttr:$activation,
    OptionalAttr<MoE_QuantAttr>:$weight_quant,
    OptionalAttr<MoE_QuantAttr>:$act_quant,
    OptionalAttr<TypeAttr>:$act_type,
    OptionalAttr<MoE_TileAttr>:$tile
  );
  let results = (outs MoE_DataTensor:$result);
  let assemblyFormat = [{
    $x `,` $w1 `,` $w2 `,` $weights `,` $ids `activation` $activation
    (`biases` $w1_bias^ `,` $w2_bias)?
    (`weight_scales` $w1_scales^ `,` $w2_scales $weight_quant)?
    (`act_quant` $act_quant^ $act_type)?
    (`tile` $tile^)? attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    /// The relations between operand sizes that the verifier cannot prove
    /// when sizes are dynamic; compiled programs check them at run time.
    SmallVector<OperandSizeRelation> getOperandSizeRelations();
    /// The weights are fp8/fp4 with scales.
    bool hasQuantizedWeights() { return static_cast<bool>(getW1Scales()); }
    /// Anything quantized: weights or activations.
    bool isQuantized() { return hasQuantizedWeights() || getActQuant(); }
  }];
  let hasVerifier = 1;
}

def MoE_GroupedMatmulOp : MoE_Op<"grouped_matmul",
    [Pure, AttrSizedOperandSegments,
     DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
        ["reifyResultShapes"]>]> {
  let summary = "GEMM over the expert blocks produced by moe.align";
  let description = [{
    For each block `b` below `padded_count / block_m` whose expert
    `e = block_expert_ids[b]` is not -1, and each of its rows
    `r = sorted_route_ids[b * block_m + i]` that is not the sentinel `T * k`:

    `out[r] = epilogue(A[row(r)] * W[e]^T + bias[e])`, accumulated in f32,

    with `row(r) = r / top_k` for `rows tokens` (GEMM1: A is x `[T, K]`) and
    `row(r) = r` for `rows routes` (GEMM2: A is `[T * k, K]`). W is
    `[E, N, K]`; the optional `bias` is `[E, N]` (bf16, f16 or f32; the
    expert's bias row, read as f32). The epilogue multiplies by
    `weights[r / k, r % k]` when `weights` is given, then applies the gated
    activation when given (the result then has `N / 2` columns). Rows of routes that no block computes
    (pruned routes) are zero. The result is `[T * k, N]` (or `N / 2`) in the
    element type of A.

    In route order (`route_ids %ids` in place of the three results of
    moe.align, `block_m 1`) each route is its own block: route `r` with
    `e = ids[r / k, r % k]` in `[0, E)` computes `out[r]` as above. `ids` is
    `[T, k]`, as moe.experts takes it. A route whose id is outside `[0, E)`
    is not computed (its row is zero) and is an error, reported as moe.align
    reports it ("moe.grouped_matmul at layer.mlir:12:8: 3 route ids outside
    [0, 128), first 131 at token 5"; a call's status keeps its first report,
    so of two GEMMs on the same ids the first one's). The tile cost model
    picks route order at decode, when the routes are few against the
    experts: on a GPU it needs no moe.align kernel.

    With `sum_routes` (route order, `rows routes`, no activation) the GEMM
    also does moe.combine's work: the result is `[T, N]` and

    `out[t] = sum_j weights[t, j] * (A[t * k + j] * W[e_j]^T + bias[e_j])`,
    `e_j = ids[t, j]`,

    summed in f32 and rounded once (without `weights` the scale is 1). A
    route whose id is outside `[0, E)` contributes 0 (and is reported).
    `--moe-fuse-combine-gemm2` writes this form.

    Quantized operands. `a` and `w` may be fp8 or fp4 (`f8E4M3FN`,
    `f8E4M3FNUZ`, `f4E2M1FN`) with their scales: `a_scales %s <scheme>`
    (the scheme's groups over `a` as `[M, K]`) and `w_scales %s <scheme>`
    (over each expert's `[N, K]`, scales `[E, ...]`). Each element is read
    as `f32(value) * f32(scale of its group)` (see moe.dequantize), and the
    products are accumulated in f32 as above. A quantized `a` needs a
    quantized `w` (a8w8, a4w4), a quantized `w` may take a `bf16`/`f16` `a`
    (a16w8, a16w4). With a quantized `a` the result's element type is
    given by the result (any of bf16, f16, f32); otherwise it is `a`'s.

    With `out_quant <scheme> from TYPE` the epilogue also quantizes: each
    result row (after the weights and the activation) is rounded to `TYPE`
    (bf16, f16 or f32; the type an unfused GEMM would store), then quantized
    as moe.quantize quantizes that row, and the op returns the values (fp8
    or fp4) and their scales. The scheme must be one of a row (`per_row`,
    `block [1, n]` or `mx`), and `sum_routes` cannot take it. A row that no
    block computes holds the quantization of a zero row (zero values, the
    scale of an all-zero group). So `out_quant` gives bit for bit what
    moe.quantize gives on the unfused result; `--moe-fuse-activation-quant`
    writes this form.

    ```mlir
    %h = moe.grouped_matmul %x, %w1, %sorted, %blocks, %count rows tokens
        top_k 8 block_m 16 activation <silu_mul>
        : (tensor<16x2048xbf16>, tensor<128x1536x2048xbf16>, tensor<2048xi32>,
           tensor<128xi32>, tensor<i32>) -> tensor<128x768xbf16>
    %d = moe.grouped_matmul %x1, %w1 route_ids %ids rows tokens top_k 8
        block_m 1 activation <silu_mul>
        : (tensor<1x2048xbf16>, tensor<128x1536x2048xbf16>, tensor<1x8xi32>)
        -> tensor<8x768xbf16>
    %y = moe.grouped_matmul %d, %w2 route_ids %ids rows routes top_k 8
        block_m 1 weights %wt sum_routes
        : (tensor<8x768xbf16>, tensor<128x2048x768xbf16>, tensor<1x8xi32>,
           tensor<1x8xf32>) -> tensor<1x2048xbf16>
    %q, %qs = moe.grouped_matmul %xq, %w1 route_ids %ids rows tokens top_k 8
        block_m 1 activation <silu_mul>
        a_scales %xs <block [1, 128]> w_scales %w1s <block [128, 128]>
        out_quant <block [1, 128]> from bf16
        : (tensor<1x7168xf8E4M3FN>, tensor<256x4096x7168xf8E4M3FN>,
           tensor<1x8xi32>, tensor<1x56xf32>, tensor<256x32x56xf32>)
        -> (tensor<8x2048xf8E4M3FN>, tensor<8x16xf32>)
    ```
  }];
  let arguments = (ins
    AnyTypeOf<[MoE_DataTensor, MoE_QuantTensor]>:$a,
    AnyTypeOf<[MoE_DataTensor, MoE_QuantTensor]>:$w,
    Optional<MoE_I32Tensor>:$sorted_route_ids,
    Optional<MoE_I32Tensor>:$block_expert_ids,
    Optional<MoE_CountTensor>:$padded_count,
    Optional<MoE_I32Tensor>:$route_ids,
    Optional<MoE_F32Tensor>:$weights,
    Optional<MoE_DataTensor>:$bias,
    MoE_RowSource:$rows,
    I64Attr:$top_k,
    I64Attr:$block_m,
    OptionalAttr<MoE_ActivationAttr>:$activation,
    OptionalAttr<MoE_TileAttr>:$tile,
    OptionalAttr<MoE_GemmPlanAttr>:$plan,
    UnitAttr:$sum_routes,
    Optional<MoE_ScaleTensor>:$a_scales,
    Optional<MoE_ScaleTensor>:$w_scales,
    OptionalAttr<MoE_QuantAttr>:$a_quant,
    OptionalAttr<MoE_QuantAttr>:$w_quant,
    OptionalAttr<MoE_QuantAttr>:$out_quant,
    OptionalAttr<TypeAttr>:$out_round
  );
  let results = (outs AnyTypeOf<[MoE_DataTensor, MoE_QuantTensor]>:$result,
                      Optional<MoE_ScaleTensor>:$result_scales);
  let assemblyFormat = [{
    $a `,` $w (`,` $sorted_route_ids^ `,` $block_expert_ids `,`
    $padded_count)? (`route_ids` $route_ids^)?
    `rows` $rows `top_k` $top_k `block_m` $block_m
    (`weights` $weights^)? (`bias` $bias^)? (`sum_routes` $sum_routes^)?
    (`activation` $activation^)?
    (`a_scales` $a_scales^ $a_quant)? (`w_scales` $w_scales^ $w_quant)?
    (`out_quant` $out_quant^ `from` $out_round)? (`tile` $tile^)?
    (`plan` $plan^)? attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    /// Each route is its own block, in route order (`route_ids`).
    bool isRouteOrder() { return static_cast<bool>(getRouteIds()); }
    RankedTensorType getAType() {
      return cast<RankedTensorType>(getA().getType());
    }
    RankedTensorType getWType() {
      return cast<RankedTensorType>(getW().getType());
    }
    /// Any operand or the result is fp8/fp4 with scales.
    bool isQuantized() {
      return getAScales() || getWScales() || getOutQuantAttr();
    }
    /// The type the epilogue computes the result in before any
    /// quantization: the result's element type, or `out_round`.
    Type getEpilogueType() {
      if (TypeAttr round = getOutRoundAttr())
        return round.getValue();
      return cast<ShapedType>(getResult().getType()).getElementType();
    }
  }];
  let hasVerifier = 1;
}

def MoE_ActivationOp : MoE_Op<"activation",
    [Pure, DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
        ["reifyResultShapes"]>]> {
  let summary = "gated activation [.., 2I] -> [.., I]";
  let description = [{
    Applies `kind` (see `#moe.activation`) to the last dimension: the input
    holds gate and up columns (`2I`, even), the result has `I` columns and the
    same leading dimensions and element type. Computed in f32.

    ```mlir
    %a = moe.activation %h <swiglu_oai, layout = interleaved>
        : tensor<?x5760xbf16> -> tensor<?x2880xbf16>
    ```
  }];
  let arguments = (ins MoE_DataTensor:$input, MoE_ActivationAttr:$kind);
  let results = (outs MoE_DataTensor:$result);
  let assemblyFormat = [{
    $input $kind attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def MoE_CombineOp : MoE_Op<"combine", [Pure, AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
        ["reifyResultShapes"]>]> {
  let summary = "weighted sum of each token's routes";
  let description = [{
    `y[t] = sum_j scale[t, j] * routes[t * k + j]` in f32, for routes
    `[T * k, H]` and scale `[T, k]`; `y` is `[T, H]` in the element type of
    the routes. Without `ids`, pruned routes are zero rows and contribute 0.

    With `ids` (the routes' expert ids `[T, k]`, as `moe.align` took them)
    and `experts N` (and `range %begin`, else 0), route `(t, j)` contributes
    only when `begin <= ids[t, j] < begin + N`; the rows of the other routes
    (pruned, or ids out of range) are not used, whatever they hold. So the
    GEMM that computes the routes through the same `moe.align` needs no
    zero fill of its output (`moe-expand-experts` writes this form).

    ```mlir
    %y = moe.combine %routes, %w
        : tensor<?x4096xbf16>, tensor<?x8xf32> -> tensor<?x4096xbf16>
    %z = moe.combine %routes, %w ids %ids experts 32 range %begin
        : tensor<?x4096xbf16>, tensor<?x8xf32>, tensor<?x8xi32>
        -> tensor<?x4096xbf16>
    ```
  }];
  let arguments = (ins MoE_DataTensor:$routes, MoE_F32Tensor:$scale,
                       Optional<MoE_I32Tensor>:$ids,
                       Optional<Index>:$expert_begin,
                       OptionalAttr<I64Attr>:$num_experts);
  let results = (outs MoE_DataTensor:$result);
  let assemblyFormat = [{
    $routes `,` $scale (`ids` $ids^)? (`experts` $num_experts^)?
    (`range` $expert_begin^)? attr-dict `:` type($routes) `,` type($scale)
    (`,` type($ids)^)? `->` type($result)
  }];
  let builders = [
    OpBuilder<(ins "Type":$result, "Value":$routes, "Value":$scale), [{
      build($_builder, $_state, result, routes, scale, Value(), Value(),
            IntegerAttr());
    }]>
  ];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

def MoE_RMSNormOp : MoE_Op<"rms_norm", [Pure, AllTypesMatch<["x", "result"]>,
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
        ["reifyResultShapes"]>]> {
  let summary = "RMSNorm over the last dimension";
  let description = [{
    `y = x * rsqrt(mean(x^2) + eps) * (weight + offset)` in f32 over the last
    dimension `H`; `weight` is `[H]`. `offset 1.0` is Gemma's `(1 + w)`
    (default 0). `eps` must be positive.

    ```mlir
    %y = moe.rms_norm %x, %w eps 1.0e-06 offset 1.0
        : tensor<?x4096xbf16>, tensor<4096xbf16>
    ```
  }];
  let arguments = (ins
    MoE_DataTensor:$x,
    MoE_DataTensor:$weight,
    F32Attr:$epsilon,
    DefaultValuedAttr<F32Attr, "0.0f">:$offset
  );
  let results = (outs MoE_DataTensor:$result);
  let assemblyFormat = [{
    $x `,` $weight `eps` $epsilon (`offset` $offset^)? attr-dict `:`
    type($x) `,` type($weight)
  }];
  let hasVerifier = 1;
}

def MoE_AddRMSNormOp : MoE_Op<"add_rms_norm",
    [Pure, AllTypesMatch<["x", "residual", "normed", "residual_out"]>,
     DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
        ["reifyResultShapes"]>]> {
  let summary = "residual add followed by RMSNorm (fused_add_rms_norm)";
  let description = [{
    `residual_out = x + residual` (rounded to the element type), then
    `normed = rms_norm(residual_out, weight, eps, offset)` as `moe.rms_norm`.

    ```mlir
    %n, %r = moe.add_rms_norm %x, %res, %w eps 1.0e-06
        : tensor<?x4096xbf16>, tensor<4096xbf16>
    ```
  }];
  let arguments = (ins
    MoE_DataTensor:$x,
    MoE_DataTensor:$residual,
    MoE_DataTensor:$weight,
    F32Attr:$epsilon,
    DefaultValuedAttr<F32Attr, "0.0f">:$offset
  );
  let results = (outs MoE_DataTensor:$normed, MoE_DataTensor:$residual_out);
  let assemblyFormat = [{
    $x `,` $residual `,` $weight `eps` $epsilon (`offset` $offset^)?
    attr-dict `:` type($x) `,` type($weight)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Collectives
//===----------------------------------------------------------------------===//

class MoE_CollectiveOp<string mnemonic, list<Trait> traits = []>
    : MoE_Op<mnemonic, traits # [MoE_CollectiveOpInterface]> {
  let hasVerifier = 1;
}

def MoE_AllReduceOp : MoE_CollectiveOp<"all_reduce",
    [AllTypesMatch<["input", "result"]>]> {
  let summary = "sum over the ranks of a group";
  let description = [{
    Every rank of `group` receives the elementwise sum (in f32, rounded to the
    element type) of `input` over all ranks of the group.

    ```mlir
    %s = moe.all_reduce %x group "tp" : tensor<?x4096xbf16>
    ```
  }];
  let arguments = (ins MoE_DataTensor:$input, StrAttr:$group);
  let results = (outs MoE_DataTensor:$result);
  let assemblyFormat = "$input `group` $group attr-dict `:` type($input)";
}

def MoE_AllGatherOp : MoE_CollectiveOp<"all_gather"> {
  let summary = "concatenate the ranks' tensors along one dimension";
  let description = [{
    The result is the concatenation, in rank order, of every group rank's
    `input` along `dim`; that dimension grows by the group size.

    ```mlir
    %g = moe.all_gather %x group "tp" dim 1
        : tensor<?x1024xbf16> -> tensor<?x4096xbf16>
    ```
  }];
  let arguments = (ins MoE_DataTensor:$input, StrAttr:$group, I64Attr:$dim);
  let results = (outs MoE_DataTensor:$result);
  let assemblyFormat = [{
    $input `group` $group `dim` $dim attr-dict `:` type($input) `->` type($result)
  }];
}

def MoE_ReduceScatterOp : MoE_CollectiveOp<"reduce_scatter"> {
  let summary = "sum over the ranks, each rank keeps one slice of a dimension";
  let description = [{
    Sums `input` over the group's ranks as `moe.all_reduce`, splits the sum
    into group-size equal slices along `dim` and gives rank `i` slice `i`.
    The size of `dim` must be divisible by the group size.

    ```mlir
    %r = moe.reduce_scatter %x group "tp" dim 1
        : tensor<?x4096xbf16> -> tensor<?x1024xbf16>
    ```
  }];
  let arguments = (ins MoE_DataTensor:$input, StrAttr:$group, I64Attr:$dim);
  let results = (outs MoE_DataTensor:$result);
  let assemblyFormat = [{
    $input `group` $group `dim` $dim attr-dict `:` type($input) `->` type($result)
  }];
}

def MoE_AllToAllOp : MoE_CollectiveOp<"all_to_all"> {
  let summary = "ragged exchange of rows between the ranks (EP dispatch/combine)";
  let description = [{
    `input` holds rows grouped by destination rank: the first
    `send_counts[0]` rows go to rank 0, the next `send_counts[1]` to rank 1,
    and so on (`send_counts` has one entry per group rank). The result holds
    the rows received from rank 0, then rank 1, ..., and `recv_counts[i]` is
    the number received from rank `i`. Rows past the received total are
    unspecified when the result has a static row capacity.

    ```mlir
    %rows, %counts = moe.all_to_all %x, %send group "ep"
        : tensor<?x7168xbf16>, tensor<8xi32> -> tensor<?x7168xbf16>, tensor<8xi32>
    ```
  }];
  let arguments = (ins MoE_DataTensor:$input, MoE_I32Tensor:$send_counts,
                       StrAttr:$group);
  let results = (outs MoE_DataTensor:$result, MoE_I32Tensor:$recv_counts);
  let assemblyFormat = [{
    $input `,` $send_counts `group` $group attr-dict `:` type($input) `,`
    type($send_counts) `->` type($result) `,` type($recv_counts)
  }];
}

def MoE_AllReduceAddRMSNormOp : MoE_CollectiveOp<"all_reduce_add_rms_norm",
    [AllTypesMatch<["x", "residual", "normed", "residual_out"]>,
     DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
        ["reifyResultShapes"]>]> {
  let summary = "all_reduce, residual add and RMSNorm in one step";
  let description = [{
    `s = all_reduce(x)` over `group` (rounded to the element type before the
    add, as the unfused sequence does), `residual_out = s + residual`,
    `normed = rms_norm(residual_out, weight, eps, offset)`.

    ```mlir
    %n, %r = moe.all_reduce_add_rms_norm %x, %res, %w group "tp" eps 1.0e-06
        offset 1.0 : tensor<?x4096xbf16>, tensor<4096xbf16>
    ```
  }];
  let arguments = (ins
    MoE_DataTensor:$x,
    MoE_DataTensor:$residual,
    MoE_DataTensor:$weight,
    StrAttr:$group,
    F32Attr:$epsilon,
    DefaultValuedAttr<F32Attr, "0.0f">:$offset
  );
  let results = (outs MoE_DataTensor:$normed, MoE_DataTensor:$residual_out);
  let assemblyFormat = [{
    $x `,` $residual `,` $weight `group` $group `eps` $epsilon
    (`offset` $offset^)? attr-dict `:` type($x) `,` type($weight)
  }];
}

include "MoE/MoEQuantOps.td"

//===----------------------------------------------------------------------===//
// Run-time checks
//===----------------------------------------------------------------------===//

def MoE_CheckSizeOp : MoE_Op<"check_size",
    [MemoryEffects<[MemWrite]>]> {
  let summary = "a size relation of another op, checked at run time";
  let description = [{
    Records a failed run-time size check when `found != expected`: the
    compiled program then returns the error "`op` at LOC: `message`:
    expected E, found F" (LOC is this op's location) instead of results.
    Passes that rewrite an op into others (`--moe-expand-experts`) put the
    op's dynamic size relations here first, so that every build of a program
    checks the relations of the program as written. It computes nothing
    else; the write effect keeps it in place.

    ```mlir
    moe.check_size %ids_tokens, %x_tokens for "moe.experts"
        "dim 0 of 'ids' must equal dim 0 of 'x' (T)"
    ```
  }];
  let arguments = (ins Index:$found, Index:$expected, StrAttr:$op_name,
                       StrAttr:$message);
  let assemblyFormat = [{
    $found `,` $expected `for` $op_name $message attr-dict
  }];
}

#endif // MOE_OPS_TD
