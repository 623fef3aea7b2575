//===- RaisePatterns.h - the pattern families of --moe-raise-linalg -------===//
//
// Declares, per MoE piece, the match (precondition), the rewrite and the
// pattern that --moe-raise-linalg applies.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_PASSES_RAISEPATTERNS_H
#define MOE_PASSES_RAISEPATTERNS_H

#include "moe/Dialect/MoE/MoE.h"
#include "moe/Dialect/TMTensor/TMTensor.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

#include <string>

namespace mlir::moe::raise {

//===----------------------------------------------------------------------===//
// Router: scores, top-k as a sort, optional renormalization -> moe.gate
//===----------------------------------------------------------------------===//

/// A router as torch-mlir lowers `topk(softmax(x))` or `topk(sigmoid(x))`:
/// the scores and an iota sorted descending together, the first k columns
/// of both sliced off (or one tm_tensor.topk of the scores), optionally the
/// values divided by their sum.
struct RouterMatch {
  /// The tm_tensor.sort or tm_tensor.topk that selects the experts.
  Operation *selection = nullptr;
  Value logits;
  ScoringFunc scoring = ScoringFunc::Softmax;
  int64_t topK = 0;
  /// The top-k values `[T, k]` (null when they are unused, as in
  /// DeepSeek-V3, whose weights are gathered from the unbiased scores) and
  /// ids `[T, k]`: the slices of the sort's results, or the topk's results.
  Value values;
  Value ids;
  /// The routing weights before any renormalization: the values slice, or
  /// the gather of the unbiased scores at the ids.
  Value weights;
  /// DeepSeek-V3's selection bias and expert groups (null / 0 without).
  Value bias;
  int64_t groups = 0;
  int64_t keep = 0;
  /// DeepSeek-V3's top-k sorts inside the selection (part of this router).
  SmallVector<Operation *, 2> innerSorts;
  /// The division by the sum of the values, when it is a plain
  /// renormalization; null otherwise.
  linalg::GenericOp renormalization;
  /// Why a division of the values was left as it is (empty when none).
  std::string renormalizationNote;
};

/// The router whose top-k is `sort`, or failure with the reason in `reason`.
FailureOr<RouterMatch> matchRouter(tm_tensor::SortOp sort, std::string &reason);

/// The router whose top-k is `topk` (`tm_tensor.topk` of the scores along
/// dimension 1 into outs of -inf, strictly greater first), or failure with
/// the reason in `reason`.
FailureOr<RouterMatch> matchRouter(tm_tensor::TopkOp topk, std::string &reason);

/// Replaces the matched values (or their renormalization) and ids with the
/// results of one moe.gate, ids widened to the sliced integer type.
GateOp raiseRouter(RewriterBase &rewriter, RouterMatch match);

void populateRaiseRouterPatterns(RewritePatternSet &patterns);

//===----------------------------------------------------------------------===//
// RMSNorm -> moe.rms_norm
//===----------------------------------------------------------------------===//

/// `w * (x * rsqrt(mean(x^2) + eps))` over the last dimension as torch-mlir
/// lowers Hugging Face's RMSNorm (`offset` 1 for Gemma's `(1 + w)`).
struct RMSNormMatch {
  linalg::GenericOp root;
  Value x;
  Value weight;
  double epsilon = 0;
  double offset = 0;
};

/// The RMSNorm whose last step is `root`, or failure with the reason.
FailureOr<RMSNormMatch> matchRMSNorm(linalg::GenericOp root,
                                     std::string &reason);

/// Whether `g` can be the rsqrt of an RMSNorm: a generic on tensors whose
/// body yields math.rsqrt (the pattern's root and the report's candidate).
bool isRMSNormCandidate(linalg::GenericOp g);

/// The two addends when `x` is torch-mlir's add.Tensor of two tensors of
/// x's type and shape, computed in that type (a residual add that
/// moe.add_rms_norm computes alike); nothing otherwise.
std::optional<std::pair<Value, Value>> matchResidualAdd(Value x);

RMSNormOp raiseRMSNorm(RewriterBase &rewriter, RMSNormMatch match);

void populateRaiseRMSNormPatterns(RewritePatternSet &patterns);

//===----------------------------------------------------------------------===//
// Experts -> moe.experts
//===----------------------------------------------------------------------===//

/// The routed experts in Hugging Face's `batched_mm` form (token rows
/// repeated k times or gathered by token index, expert weights gathered by
/// id, two batched matrix-vector products around the gated activation, each
/// possibly followed by an expert bias, each route scaled by its weight,
/// then the sum over k or a scatter-add into the tokens' rows) or
/// sharktank's pre-gathered form (weights gathered by the `[T, k]` ids,
/// broadcast multiplies reduced over the last dimension, separate gate and
/// up weights).
struct ExpertsMatch {
  /// The sum over k of the weighted routes (`[T, H]`, or `[1, T, H]` when
  /// Hugging Face's view back to 3-D follows it), or the tm_tensor.scatter
  /// that adds them into zero rows (index_add_ / index_put).
  Value result;
  Value x;
  /// gate_up_proj `[E, 2I, H]`, or with `w1Up` the gate weights `[E, I, H]`
  /// (sharktank's separate ffn_gate and ffn_up).
  Value w1;
  Value w1Up;
  Value w2;
  /// gate_up_proj is `[E, H, 2I]` and down_proj `[E, I, H]` (Hugging Face's
  /// `experts_are_transposed`, gpt-oss): the raise transposes them.
  bool transposed = false;
  /// gpt-oss's expert biases `[E, 2I]` and `[E, H]` (null without).
  Value b1, b2;
  /// The gated activation; null means silu_mul on split halves.
  ActivationAttr activation;
  /// The routing weights `[T, k]` and ids `[T, k]` (any integer type).
  Value weights;
  Value ids;
};

/// The experts computation whose sum over k is `root`, or failure with the
/// reason.
FailureOr<ExpertsMatch> matchExperts(linalg::GenericOp root,
                                     std::string &reason);

/// Whether `g` can be the sum over k of routed experts: a generic on tensors
/// adding up dimension 1 of a rank-3 input (the pattern's root and the
/// report's candidate).
bool isExpertsCandidate(linalg::GenericOp g);

ExpertsOp raiseExperts(RewriterBase &rewriter, ExpertsMatch match);

/// The experts computation whose scatter-add of the weighted routes into
/// zero token rows is `root`, or failure with the reason.
FailureOr<ExpertsMatch> matchScatteredExperts(tm_tensor::ScatterOp root,
                                              std::string &reason);

/// Whether `scatter` can be the combine of routed experts: an addf region,
/// indices into dimension 0 only (the pattern's root and the report's
/// candidate).
bool isScatteredExpertsCandidate(tm_tensor::ScatterOp scatter);

void populateRaiseExpertsPatterns(RewritePatternSet &patterns);

} // namespace mlir::moe::raise

#endif // MOE_PASSES_RAISEPATTERNS_H
