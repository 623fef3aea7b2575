//===- Passes.h - graph-level passes of moe-mlir ----------------*- C++ -*-===//
//
// Declares the graph passes and the layered functions behind them.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_PASSES_PASSES_H
#define MOE_PASSES_PASSES_H

#include "moe/Dialect/MoE/MoE.h"
#include "moe/Target/InterStageQuantModel.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"

namespace mlir::moe {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

//===----------------------------------------------------------------------===//
// Raise linalg
//===----------------------------------------------------------------------===//

/// The patterns of --moe-raise-linalg: routers, RMSNorms and experts in
/// torch-mlir's linalg-on-tensors form to moe ops.
void populateRaiseLinalgPatterns(RewritePatternSet &patterns);

//===----------------------------------------------------------------------===//
// Token buckets
//===----------------------------------------------------------------------===//

/// The token buckets of a library for T in [minTokens, maxTokens]
/// (maxTokens 0: no bound): T = 1, 2-4, 5-16, 17-64, 65-256, 257-1024 and
/// above, clipped to the range; each is planned for its largest T (the
/// unbounded one for 4096). `of` is left empty.
SmallVector<TokenBucket> tokenBuckets(int64_t minTokens, int64_t maxTokens);

/// The name of a bucket's function: `<of>__t<min>[_<max>|_up]`.
std::string tokenBucketName(const TokenBucket &bucket);

//===----------------------------------------------------------------------===//
// Expand experts
//===----------------------------------------------------------------------===//

/// Why `op` cannot be expanded, or success.
LogicalResult canExpandExperts(ExpertsOp op, std::string &reason);

/// The pieces of an expanded moe.experts.
struct ExpandedExperts {
  AlignOp align;
  GroupedMatmulOp gemm1, gemm2;
  ActivationOp activation;
  CombineOp combine;
};

/// Puts the size relations of `op` that its operand types leave open
/// before it as moe.check_size ops, which outlive the rewrite of `op`.
void materializeSizeChecks(RewriterBase &rewriter, ExpertsOp op);

/// The expert weights the expanded GEMMs read, their scales when quantized
/// and their biases when the op has biases (null otherwise).
struct ExpertWeightValues {
  Value w1, w2, w1Scales, w2Scales, w1Bias, w2Bias;
};

/// Builds the expanded form of `op` at its position (does not replace it),
/// after materializeSizeChecks.
/// `expertBegin`, when set, restricts align to experts
/// [expertBegin, expertBegin + numExperts) of `totalExperts` (the bound of
/// its id check, when known) and `weights` replace the op's weights (and
/// scales). With act_quant, moe.quantize ops quantize each GEMM's A.
FailureOr<ExpandedExperts>
buildExpandedExperts(RewriterBase &rewriter, ExpertsOp op, int64_t blockM,
                     int64_t numExperts, Value expertBegin,
                     const ExpertWeightValues &weights,
                     std::optional<int64_t> totalExperts = std::nullopt);

/// Replaces `op` by its expanded form; block_m from its tile or `blockM`.
FailureOr<CombineOp> expandExperts(RewriterBase &rewriter, ExpertsOp op,
                                   int64_t blockM);

void populateExpandExpertsPatterns(RewritePatternSet &patterns, int64_t blockM);

//===----------------------------------------------------------------------===//
// Fuse SwiGLU into GEMM1
//===----------------------------------------------------------------------===//

/// Why the GEMM feeding `act` cannot take it as epilogue, or success.
LogicalResult canFuseActivationIntoGemm(ActivationOp act, std::string &reason);

/// Replaces the GEMM + activation pair by one GEMM with the epilogue.
FailureOr<GroupedMatmulOp> fuseActivationIntoGemm(RewriterBase &rewriter,
                                                  ActivationOp act);

void populateFuseSwiGLUGemm1Patterns(RewritePatternSet &patterns);

//===----------------------------------------------------------------------===//
// Fuse combine into GEMM2
//===----------------------------------------------------------------------===//

/// The most routes per token the fused GEMM takes (a token's routes are
/// read across the lanes of one wave).
constexpr int64_t kMaxSummedRoutes = 32;

/// Why the GEMM feeding `combine` cannot sum its routes, or success. With
/// `chip` (null: the CPU), a chip with mma.sync keeps GEMMs of mma_row_dot
/// operands (hasMMARowDotOperands, MMARowDotOperands.h) unfused.
LogicalResult canFuseCombineIntoGemm(CombineOp combine, std::string &reason,
                                     const ChipInfo *chip = nullptr);

/// Replaces the route-order GEMM + combine pair by one GEMM with
/// `sum_routes`.
FailureOr<GroupedMatmulOp> fuseCombineIntoGemm(RewriterBase &rewriter,
                                               CombineOp combine,
                                               const ChipInfo *chip = nullptr);

void populateFuseCombineGemm2Patterns(RewritePatternSet &patterns,
                                      const ChipInfo *chip = nullptr);

//===----------------------------------------------------------------------===//
// Fuse activation quantization into the GEMM epilogue
//===----------------------------------------------------------------------===//

/// Why the GEMM feeding `quantize` cannot quantize its own rows, or success.
LogicalResult canFuseQuantizeIntoGemm(QuantizeOp quantize, std::string &reason);

/// Replaces the GEMM + row quantize pair by one GEMM with `out_quant`.
FailureOr<GroupedMatmulOp> fuseQuantizeIntoGemm(RewriterBase &rewriter,
                                                QuantizeOp quantize);

void populateFuseActivationQuantPatterns(RewritePatternSet &patterns);

//===----------------------------------------------------------------------===//
// Legalize fp8 flavors
//===----------------------------------------------------------------------===//

/// OCP fp8 weights `values` (f8E4M3FN) with f32 `scales` as the same numbers
/// in FNUZ (f8E4M3FNUZ): the bits reinterpreted (the value halves; OCP's -0
/// becomes +0, FNUZ's NaN code otherwise) and the scales doubled, so that
/// every f32(value) * scale is unchanged.
std::pair<Value, Value> reinterpretOcpAsFnuz(OpBuilder &b, Location loc,
                                             Value values, Value scales);

//===----------------------------------------------------------------------===//
// Skip the quantization between the expert GEMMs
//===----------------------------------------------------------------------===//

/// The moe.quantize whose values and scales GEMM2 `gemm` reads, when GEMM2
/// could read its input unquantized instead; failure with the reason.
FailureOr<QuantizeOp> interStageQuantizeOf(GroupedMatmulOp gemm,
                                           std::string &reason);

/// The cost model's view of reading `quantize`'s result (what `gemm` does)
/// against reading its input (InterStageQuantModel.h).
InterStageQuantCost modelInterStageQuant(const ChipInfo &chip,
                                         GroupedMatmulOp gemm,
                                         QuantizeOp quantize);

/// Replaces `gemm` by the same GEMM on `quantize`'s input without 'a'
/// scales (erasing `quantize` when nothing else reads it).
GroupedMatmulOp skipInterStageQuant(RewriterBase &rewriter,
                                    GroupedMatmulOp gemm, QuantizeOp quantize);

//===----------------------------------------------------------------------===//
// Defer all_reduce
//===----------------------------------------------------------------------===//

void populateSinkAllReducePatterns(RewritePatternSet &patterns,
                                   bool allowCastReassociation);
void populateFuseAllReduceRMSNormPatterns(RewritePatternSet &patterns);

} // namespace mlir::moe

#endif // MOE_PASSES_PASSES_H
