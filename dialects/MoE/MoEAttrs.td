//===- MoEAttrs.td - attributes of the moe dialect ---------*- tablegen -*-===//
//
// Declares the activation, tile-configuration and parallel-layout attributes.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_ATTRS_TD
#define MOE_ATTRS_TD

include "mlir/IR/AttrTypeBase.td"
include "MoE/MoEDialect.td"
include "MoE/MoEEnums.td"

class MoE_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<MoE_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def MoE_ActivationAttr : MoE_Attr<"Activation", "activation"> {
  let summary = "a gated activation: silu_mul, gelu_mul or swiglu_oai";
  let description = [{
    Applies to an input whose last dimension is `2I` and holds the gate and
    up projections; the result has `I` columns. With the `split` layout
    (default; AITER) columns `[0, I)` are the gate and `[I, 2I)` the up
    projection; with `interleaved` (vLLM, gpt-oss) column `2c` is gate `c` and
    column `2c+1` is up `c`. Computed in f32:

    - `silu_mul`:   `out = silu(gate) * up`, `silu(g) = g * sigmoid(g)`
    - `gelu_mul`:   `out = gelu(gate) * up`, exact (erf) GELU
    - `swiglu_oai`: `g = min(gate, limit); u = clamp(up, -limit, limit);
                     out = (u + beta) * g * sigmoid(alpha * g)`

    `alpha`, `beta` and `limit` belong to `swiglu_oai` only (defaults 1.702,
    1.0 and 7.0, gpt-oss's values); `alpha` and `limit` must be positive.

    ```mlir
    #moe.activation<silu_mul>
    #moe.activation<swiglu_oai, layout = interleaved, alpha = 1.702, beta = 1.0, limit = 7.0>
    ```
  }];
  let parameters = (ins
    "::mlir::moe::ActivationKind":$kind,
    "::mlir::moe::GateUpLayout":$layout,
    APFloatParameter<"sigmoid slope of swiglu_oai">:$alpha,
    APFloatParameter<"offset added to up in swiglu_oai">:$beta,
    APFloatParameter<"clamp bound of swiglu_oai">:$limit
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let builders = [
    AttrBuilder<(ins "::mlir::moe::ActivationKind":$kind,
                     CArg<"::mlir::moe::GateUpLayout",
                          "::mlir::moe::GateUpLayout::Split">:$layout)>
  ];
  let extraClassDeclaration = [{
    double getAlphaValue() const { return getAlpha().convertToDouble(); }
    double getBetaValue() const { return getBeta().convertToDouble(); }
    double getLimitValue() const { return getLimit().convertToDouble(); }
  }];
}

def MoE_TileAttr : MoE_Attr<"Tile", "tile"> {
  let summary = "tile configuration of a grouped GEMM kernel";
  let description = [{
    The block of the route dimension (`block_m`, the alignment unit of
    `moe.align`) and the block of weight rows per workgroup (`block_n`), the
    two numbers of the cost model that the lowering reads: `block_m` sizes
    the alignment, and `block_n` is where the GEMM's kernel plan
    (`#moe.gemm_plan`) starts. `block_m` is a power of two in [16, 256],
    or 1 for route order (no alignment: moe.grouped_matmul's `route_ids`);
    `block_n` a power of two in [8, 512]. Written by `--moe-select-tiles`.

    ```mlir
    #moe.tile<block_m = 16, block_n = 64>
    ```
  }];
  let parameters = (ins
    "int64_t":$block_m,
    "int64_t":$block_n
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def MoE_GemmPlanAttr : MoE_Attr<"GemmPlan", "gemm_plan"> {
  let summary = "the kernel plan of a grouped GEMM: every choice its kernel makes";
  let description = [{
    How the kernel of a `moe.grouped_matmul` computes its `block_m x
    block_n` output tile (`block_m` is the op's): `waves_n` waves split the
    `block_n / n` column tiles of the MMA (n = 16 on gfx942/gfx950, 32 in
    their blocks of 32+ rows and output columns, which take 32x32 MFMAs; 8
    on sm_90), each accumulating `group` of its tiles at once; `slices`
    waves per column share split the k steps (their partial sums meet in
    LDS); each lane multiplies `row_group` row tiles of the MMA (16 rows, or
    32 with 32x32 MFMAs) with every weight fragment it loads. `loads` is `registers` (the k loop issues the loads of
    `unroll` steps before their MMAs), `async_copy` (each lane copies its
    fragments into LDS `stages - 1` steps ahead) or `shared_tiles` (sm_90:
    the whole workgroup copies the gathered A rows and the weight rows of a
    k tile into a ring of `stages` shared-memory tiles, and each wave reads
    its MMA operands with `ldmatrix`; there `block_m / (16 * row_group)`
    waves split the rows, `group` is all of a wave's column tiles and
    `slices` is 1) or `warpgroup_tiles` (sm_90a: the same ring, multiplied
    by warpgroup MMAs, `wgmma`, that read both operands from shared memory;
    four consecutive waves form a warpgroup that computes `row_group` tiles
    of 64 rows by `block_n / waves_n` columns, and `block_m / (64 *
    row_group)` warpgroups split the rows) or `row_dot` (decode, no MMA:
    each of the `waves_n` waves computes `group` of the `block_n` output
    columns, `block_n = waves_n x group`; its lanes read consecutive 16-byte
    runs of a weight row, so that one load of the wave is one contiguous
    stretch of the row, `unroll` runs per lane at once, multiply them with
    the same k of `row_group` routes' A rows and add the lanes' sums with
    `gpu.subgroup_reduce`; a block's routes are taken `row_group` at a
    time; `slices` waves split a row's runs, and their sums meet in LDS)
    or `mma_row_dot` (sm_80 and later, decode and mid-size blocks with fp4
    weights and bf16 activations, or OCP fp8 weights and activations: a
    wave multiplies 16 weight rows at a time, the MMA's 16-row operand, by
    `row_group` (a multiple of 8) routes, the MMA's 8 columns, with
    `mma.sync` m16n8k16 (fp4, widened to bf16 in registers and scaled by
    its group's scale) or m16n8k32 e4m3 (fp8, as loaded; each step's sums
    scaled by their row's and route's scales); the four lanes of each row
    quad read 16-byte runs of the wave's rows side by side, `unroll` runs a
    step; with `stages` (fp8 only) each lane copies its runs into LDS with
    asynchronous copies `stages - 1` steps ahead; each of the `waves_n`
    waves computes `group` such tiles at a time, `block_n / waves_n`
    output columns in all (8 per tile with a gated epilogue, else 16);
    `slices` waves split a row's runs, and their sums meet in LDS).
    `k_tile` (`shared_tiles` only) forces the k of a ring stage to 32, 64
    or 128 (a 256-byte run of each row per stage); without it the ring
    takes 64 where that fits the stages, else 32 (the model never takes
    128).
    Written by
    `--moe-plan-kernels` (or by the GPU lowering where missing); an edited
    plan is honoured, and checked against the chip when the kernel is built.

    ```mlir
    #moe.gemm_plan<block_n = 64, waves_n = 4, slices = 1, group = 2, row_group = 1, loads = async_copy, stages = 3>
    ```
  }];
  let parameters = (ins
    "int64_t":$block_n,
    "int64_t":$waves_n,
    "int64_t":$slices,
    "int64_t":$group,
    "int64_t":$row_group,
    EnumParameter<MoE_KernelLoads>:$loads,
    OptionalParameter<"std::optional<int64_t>">:$stages,
    OptionalParameter<"std::optional<int64_t>">:$unroll,
    OptionalParameter<"std::optional<int64_t>">:$k_tile
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def MoE_QuantAttr : MoE_Attr<"Quant", "quant"> {
  let summary = "a quantization scheme: which elements share a scale";
  let description = [{
    For a quantized tensor `[lead..., R, C]` (C the reduction dimension:
    K of a weight `[E, N, K]` or of an activation `[T, K]`), the scheme
    says which elements share one scale, and so the scale tensor's shape:

    | scheme | scale shape | scale type |
    |---|---|---|
    | `per_tensor` | `[lead...]` (a weight: `[E]`; an activation: `[]`) | f32 |
    | `per_row` | `[lead..., R]` (per output channel; per token) | f32 |
    | `block [br, bc]` | `[lead..., ceil(R / br), ceil(C / bc)]` | f32 |
    | `mx` | `[lead..., R, C / 32]`, C a multiple of 32 | f8E8M0FNU |

    DeepSeek-V3's weights are `block [128, 128]` and its activations
    `block [1, 128]` (per token group). `mx` is OCP MX: 32 consecutive
    elements of a row share a power-of-two scale `2^(s - 127)` stored as
    f8E8M0FNU (s = 0xFF is NaN). The value `x` of an element `q` with scale
    `s` is `f32(q) * f32(s)`. Block sizes are at least 1.

    ```mlir
    #moe.quant<per_row>
    #moe.quant<block [128, 128]>
    #moe.quant<mx>
    ```
  }];
  let parameters = (ins
    EnumParameter<MoE_QuantKind>:$kind,
    OptionalParameter<"std::optional<int64_t>">:$block_rows,
    OptionalParameter<"std::optional<int64_t>">:$block_cols
  );
  let assemblyFormat = "`<` $kind (` ` `[` $block_rows^ `,` $block_cols `]`)? `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The OCP MX block: 32 elements of a row share one scale.
    static constexpr int64_t kMxBlock = 32;
    /// The shape of the scales of a tensor of shape `valueShape` (rank >= 2
    /// except per_tensor); dynamic sizes stay dynamic.
    ::llvm::SmallVector<int64_t>
    getScaleShape(::llvm::ArrayRef<int64_t> valueShape) const;
    /// f8E8M0FNU for mx, f32 otherwise.
    ::mlir::Type getScaleElementType(::mlir::MLIRContext *context) const;
    /// Whether every group lies in one row (per_row, block [1, n], mx), so
    /// that a row can be quantized on its own.
    bool isRowScheme() const;
  }];
}

def MoE_ParallelAttr : MoE_Attr<"Parallel", "parallel"> {
  let summary = "the tensor/expert-parallel layout: named rank groups and their sizes";
  let description = [{
    Names the groups of ranks that collectives reduce or exchange over, with
    their sizes, e.g. a tensor-parallel group `tp` of 8 ranks and an
    expert-parallel group `ep` of 8 ranks. A rank's index within a group is a
    runtime value, so one program serves every rank. Stored under the
    `moe.parallel` key on a module or function; every collective names one
    of its groups. Sizes are at least 1; names are unique.

    ```mlir
    module attributes {moe.parallel = #moe.parallel<tp = 4, ep = 8>} {}
    ```
  }];
  let parameters = (ins
    ArrayRefParameter<"::mlir::StringAttr", "group names">:$names,
    ArrayRefParameter<"int64_t", "group sizes">:$sizes
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The size of group `name`, or std::nullopt if the layout has no such group.
    std::optional<int64_t> getGroupSize(::llvm::StringRef name) const;
  }];
}

#endif // MOE_ATTRS_TD
