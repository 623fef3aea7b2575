//===- MoEDialect.td - the moe dialect ---------------------*- tablegen -*-===//
//
// Declares the moe dialect and the base class of its operations.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_DIALECT_TD
#define MOE_DIALECT_TD

include "mlir/IR/OpBase.td"

def MoE_Dialect : Dialect {
  let name = "moe";
  let cppNamespace = "::mlir::moe";
  let summary = "Mixture-of-Experts routing, grouped GEMM, normalization and collectives";
  let description = [{
    The `moe` dialect describes the routed-expert part of a Mixture-of-Experts
    transformer layer, and the normalization and collectives around it, at the
    level where inference stacks hand-write kernels today.

    What belongs here: operations whose semantics are specific to MoE inference
    (routing, the alignment of routes into expert blocks, grouped GEMMs over
    those blocks, gated activations, combining routes back into tokens),
    RMSNorm in its fused forms, and collectives over the named groups of a
    tensor/expert-parallel layout (`#moe.parallel`). All operations work on
    tensors with value semantics; accumulation is in f32.

    What does not belong here: generic elementwise math, generic GEMMs,
    attention, memory management and kernel-level constructs. Those stay in
    upstream dialects (`arith`, `math`, `linalg`, `tensor`, `gpu`, `amdgpu`,
    `rocdl`, `nvvm`) which the lowering of this dialect targets.

    Weights use the PyTorch `Linear` layout: W1 is `[E, 2I, H]` (gate rows then
    up rows for the `split` layout, alternating rows for `interleaved`), W2 is
    `[E, H, I]`. A route is `r = t * k + j` for token `t` and slot `j`.

    The parallel layout of a program is a `#moe.parallel` attribute stored
    under the `moe.parallel` key on the module (or a function); collectives
    name one of its groups. A function argument marked `moe.ep_rank` (a unit
    attribute on an `index` argument) is the rank within the `ep` group.

    A GPU library serves every token count through token buckets
    (`moe-split-token-buckets`): a function `@f` becomes copies `@f__t<lo>_<hi>`
    marked `moe.token_bucket = {of = @f, min = lo, max = hi, expected = E}`
    (each planned for T = E) and a dispatcher `@f` that calls the bucket
    whose range holds T, read as dim 0 of the argument marked `moe.tokens`.
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let extraClassDeclaration = [{
    void registerAttributes();

    /// The attribute name under which a module or function holds its layout.
    static constexpr ::llvm::StringLiteral getParallelAttrName() {
      return ::llvm::StringLiteral("moe.parallel");
    }
    /// The module attribute listing the messages of the CPU lowering's
    /// run-time size checks (an array of strings, by check id).
    static constexpr ::llvm::StringLiteral getCheckMessagesAttrName() {
      return ::llvm::StringLiteral("moe.check_messages");
    }
    /// The kernel attribute holding the bytes of dynamic shared memory a
    /// GPU kernel built by the lowering takes at launch (an i64 >= 0 on a
    /// function; the launch passes it).
    static constexpr ::llvm::StringLiteral getDynamicSharedBytesAttrName() {
      return ::llvm::StringLiteral("moe.dynamic_shared_bytes");
    }
    /// The argument attribute that marks a function's expert-parallel rank.
    static constexpr ::llvm::StringLiteral getEPRankAttrName() {
      return ::llvm::StringLiteral("moe.ep_rank");
    }
    /// The function attribute of a token bucket: a copy of a function
    /// specialized for the calls of T in [min, max] (max absent: no bound),
    /// planned for T = expected, which the function `of` dispatches to
    /// (moe-split-token-buckets).
    static constexpr ::llvm::StringLiteral getTokenBucketAttrName() {
      return ::llvm::StringLiteral("moe.token_bucket");
    }
    /// The argument attribute that marks the tensor whose dim 0 is the
    /// token count T a dispatcher picks its bucket by.
    static constexpr ::llvm::StringLiteral getTokensAttrName() {
      return ::llvm::StringLiteral("moe.tokens");
    }
  }];
}

class MoE_Op<string mnemonic, list<Trait> traits = []>
    : Op<MoE_Dialect, mnemonic, traits>;

#endif // MOE_DIALECT_TD
