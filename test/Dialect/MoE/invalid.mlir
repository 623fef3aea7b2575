// RUN: moe-opt %s -split-input-file -verify-diagnostics

// Every verifier and parser diagnostic of the moe dialect, one case each.

//===----------------------------------------------------------------------===//
// moe.gate
//===----------------------------------------------------------------------===//

func.func @gate_logits_rank(%l: tensor<2x4x8xf32>) {
  // expected-error @+1 {{expected 'logits' of rank 2 [T, E], got rank 3 [2, 4, 8]}}
  %w, %i = moe.gate %l top_k 2 softmax : tensor<2x4x8xf32> -> tensor<2x2xf32>, tensor<2x2xi32>
  return
}

// -----

func.func @gate_top_k_zero(%l: tensor<4x8xf32>) {
  // expected-error @+1 {{expected 'top_k' >= 1, got 0}}
  %w, %i = moe.gate %l top_k 0 softmax : tensor<4x8xf32> -> tensor<4x0xf32>, tensor<4x0xi32>
  return
}

// -----

func.func @gate_top_k_too_large(%l: tensor<4x128xf32>) {
  // expected-error @+1 {{expected 'top_k' <= number of experts (128), got 129}}
  %w, %i = moe.gate %l top_k 129 softmax : tensor<4x128xf32> -> tensor<4x129xf32>, tensor<4x129xi32>
  return
}

// -----

func.func @gate_bias_rank(%l: tensor<4x8xf32>, %b: tensor<1x8xf32>) {
  // expected-error @+1 {{expected 'bias' of rank 1 [E], got rank 2 [1, 8]}}
  %w, %i = moe.gate %l bias %b top_k 2 sigmoid : tensor<4x8xf32>, tensor<1x8xf32> -> tensor<4x2xf32>, tensor<4x2xi32>
  return
}

// -----

func.func @gate_bias_size(%l: tensor<4x8xf32>, %b: tensor<16xf32>) {
  // expected-error @+1 {{expected dim 0 of 'bias' to be 8 (E from logits), got 16 in [16]}}
  %w, %i = moe.gate %l bias %b top_k 2 sigmoid : tensor<4x8xf32>, tensor<16xf32> -> tensor<4x2xf32>, tensor<4x2xi32>
  return
}

// -----

func.func @gate_weights_rank(%l: tensor<4x8xf32>) {
  // expected-error @+1 {{expected 'weights' of rank 2 [T, k], got rank 1 [8]}}
  %w, %i = moe.gate %l top_k 2 softmax : tensor<4x8xf32> -> tensor<8xf32>, tensor<4x2xi32>
  return
}

// -----

func.func @gate_tokens_mismatch(%l: tensor<4x8xf32>) {
  // expected-error @+1 {{expected dim 0 of 'weights' to be 4 (T from logits), got 5 in [5, 2]}}
  %w, %i = moe.gate %l top_k 2 softmax : tensor<4x8xf32> -> tensor<5x2xf32>, tensor<4x2xi32>
  return
}

// -----

func.func @gate_ids_k_dynamic(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{expected dim 1 of 'ids' to be 2 (top_k), got ? in [?, ?]}}
  %w, %i = moe.gate %l top_k 2 softmax : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x?xi32>
  return
}

// -----

func.func @gate_scaling(%l: tensor<4x8xf32>) {
  // expected-error @+1 {{expected 'scaling' > 0, got -1}}
  %w, %i = moe.gate %l top_k 2 softmax scaling -1.0 : tensor<4x8xf32> -> tensor<4x2xf32>, tensor<4x2xi32>
  return
}

// -----

func.func @gate_groups_zero(%l: tensor<4x256xf32>) {
  // expected-error @+1 {{expected 'n_group' >= 1, got 0}}
  %w, %i = moe.gate %l top_k 8 sigmoid groups 0 keep 0 : tensor<4x256xf32> -> tensor<4x8xf32>, tensor<4x8xi32>
  return
}

// -----

func.func @gate_keep_too_many(%l: tensor<4x256xf32>) {
  // expected-error @+1 {{expected 'topk_group' in [1, n_group = 8], got 9}}
  %w, %i = moe.gate %l top_k 8 sigmoid groups 8 keep 9 : tensor<4x256xf32> -> tensor<4x8xf32>, tensor<4x8xi32>
  return
}

// -----

func.func @gate_groups_divide(%l: tensor<4x256xf32>) {
  // expected-error @+1 {{expected 'n_group' (7) to divide the number of experts (256)}}
  %w, %i = moe.gate %l top_k 8 sigmoid groups 7 keep 4 : tensor<4x256xf32> -> tensor<4x8xf32>, tensor<4x8xi32>
  return
}

// -----

func.func @gate_group_too_small(%l: tensor<4x8xf32>) {
  // expected-error @+1 {{expected at least 2 experts per group (a group scores the sum of its top 2), got 1 (8 experts in 8 groups)}}
  %w, %i = moe.gate %l top_k 2 sigmoid groups 8 keep 4 : tensor<4x8xf32> -> tensor<4x2xf32>, tensor<4x2xi32>
  return
}

// -----

func.func @gate_top_k_exceeds_kept(%l: tensor<4x64xf32>) {
  // expected-error @+1 {{expected 'top_k' <= experts in the kept groups (2 x 8 = 16), got 17}}
  %w, %i = moe.gate %l top_k 17 sigmoid groups 8 keep 2 : tensor<4x64xf32> -> tensor<4x17xf32>, tensor<4x17xi32>
  return
}

// -----

func.func @gate_groups_without_keep(%l: tensor<4x64xf32>) {
  // expected-error @+1 {{expected 'n_group' and 'topk_group' together (groups N keep M)}}
  %w:2 = "moe.gate"(%l) <{top_k = 2 : i64, scoring = 1 : i32, n_group = 8 : i64}> : (tensor<4x64xf32>) -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return
}

// -----

func.func @gate_logits_type(%l: tensor<4x8xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of bfloat16 type or 16-bit float or 32-bit float values}}
  %w, %i = moe.gate %l top_k 2 softmax : tensor<4x8xi32> -> tensor<4x2xf32>, tensor<4x2xi32>
  return
}

// -----

func.func @gate_ids_type(%l: tensor<4x8xf32>) {
  // expected-error @+1 {{result #1 must be ranked tensor of 32-bit signless integer values}}
  %w, %i = moe.gate %l top_k 2 softmax : tensor<4x8xf32> -> tensor<4x2xf32>, tensor<4x2xi64>
  return
}

// -----

func.func @gate_unknown_scoring(%l: tensor<4x8xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'scoring' [softmax, sigmoid]}}
  %w, %i = moe.gate %l top_k 2 tanh : tensor<4x8xf32> -> tensor<4x2xf32>, tensor<4x2xi32>
  return
}

//===----------------------------------------------------------------------===//
// moe.align
//===----------------------------------------------------------------------===//

// -----

func.func @align_ids_rank(%ids: tensor<32xi32>) {
  // expected-error @+1 {{expected 'ids' of rank 2 [T, k], got rank 1 [32]}}
  %s, %b, %c = moe.align %ids experts 8 block_m 16 : tensor<32xi32> -> tensor<160xi32>, tensor<10xi32>, tensor<i32>
  return
}

// -----

func.func @gemm_routes_overflow(%x: tensor<4x16xf16>, %w: tensor<4x8x16xf16>, %s: tensor<?xi32>,
                                %b: tensor<?xi32>, %c: tensor<i32>) {
  // expected-error @+1 {{expected T * top_k (4 x 9218868437227405312) to fit in 64 bits}}
  %h = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 0x7FF0000000000000 block_m 32
      : (tensor<4x16xf16>, tensor<4x8x16xf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<8x8xf16>
  return
}

// -----

func.func @align_total_without_range(%ids: tensor<4x2xi32>) {
  // expected-error @+1 {{expected 'total_experts' only with 'range' (without it every id is in [0, experts))}}
  %s, %b, %c = moe.align %ids experts 2 block_m 16 {total_experts = 8 : i64} : tensor<4x2xi32> -> tensor<48xi32>, tensor<3xi32>, tensor<i32>
  return
}

// -----

func.func @align_total_below_experts(%ids: tensor<4x2xi32>, %begin: index) {
  // expected-error @+1 {{expected 'total_experts' >= 'experts' (2), got 1}}
  %s, %b, %c = moe.align %ids experts 2 block_m 16 range %begin {total_experts = 1 : i64} : tensor<4x2xi32> -> tensor<48xi32>, tensor<3xi32>, tensor<i32>
  return
}

// -----

func.func @align_experts_zero(%ids: tensor<4x2xi32>) {
  // expected-error @+1 {{expected 'experts' >= 1, got 0}}
  %s, %b, %c = moe.align %ids experts 0 block_m 16 : tensor<4x2xi32> -> tensor<16xi32>, tensor<1xi32>, tensor<i32>
  return
}

// -----

func.func @align_block_m(%ids: tensor<4x2xi32>) {
  // expected-error @+1 {{expected 'block_m' to be a power of two in [16, 256], got 24}}
  %s, %b, %c = moe.align %ids experts 8 block_m 24 : tensor<4x2xi32> -> tensor<192xi32>, tensor<8xi32>, tensor<i32>
  return
}

// -----

func.func @align_sorted_size(%ids: tensor<4x2xi32>) {
  // 4 * 2 + 8 * 15 = 128 -> R_max 128.
  // expected-error @+1 {{expected 'sorted_route_ids' of shape [128] (R_max = roundup(T*k + experts * (block_m - 1), block_m); dynamic exactly when T*k is), got [120]}}
  %s, %b, %c = moe.align %ids experts 8 block_m 16 : tensor<4x2xi32> -> tensor<120xi32>, tensor<8xi32>, tensor<i32>
  return
}

// -----

func.func @align_static_result_dynamic_tokens(%ids: tensor<?x2xi32>) {
  // expected-error @+1 {{expected 'sorted_route_ids' of shape [?]}}
  %s, %b, %c = moe.align %ids experts 8 block_m 16 : tensor<?x2xi32> -> tensor<128xi32>, tensor<?xi32>, tensor<i32>
  return
}

// -----

func.func @align_block_count(%ids: tensor<4x2xi32>) {
  // expected-error @+1 {{expected 'block_expert_ids' of shape [8] (R_max / block_m), got [16]}}
  %s, %b, %c = moe.align %ids experts 8 block_m 16 : tensor<4x2xi32> -> tensor<128xi32>, tensor<16xi32>, tensor<i32>
  return
}

// -----

func.func @align_overflow(%ids: tensor<4x2xi32>) {
  // expected-error @+1 {{expected R_max = roundup(T*k + experts * (block_m - 1), block_m) to fit in 64 bits}}
  %s, %b, %c = moe.align %ids experts 9223372036854775807 block_m 16 : tensor<4x2xi32> -> tensor<?xi32>, tensor<?xi32>, tensor<i32>
  return
}

// -----

func.func @align_count_type(%ids: tensor<4x2xi32>) {
  // expected-error @+1 {{result #2 must be 0D tensor of 32-bit signless integer values}}
  %s, %b, %c = moe.align %ids experts 8 block_m 16 : tensor<4x2xi32> -> tensor<128xi32>, tensor<8xi32>, tensor<1xi32>
  return
}

//===----------------------------------------------------------------------===//
// moe.experts
//===----------------------------------------------------------------------===//

// -----

func.func @experts_x_rank(%x: tensor<4xbf16>, %w1: tensor<8x32x16xbf16>, %w2: tensor<8x16x16xbf16>, %w: tensor<4x2xf32>, %i: tensor<4x2xi32>) {
  // expected-error @+1 {{expected 'x' of rank 2 [T, H], got rank 1 [4]}}
  %y = moe.experts %x, %w1, %w2, %w, %i activation <silu_mul> : (tensor<4xbf16>, tensor<8x32x16xbf16>, tensor<8x16x16xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x16xbf16>
  return
}

// -----

func.func @experts_w1_rank(%x: tensor<4x16xbf16>, %w1: tensor<32x16xbf16>, %w2: tensor<8x16x16xbf16>, %w: tensor<4x2xf32>, %i: tensor<4x2xi32>) {
  // expected-error @+1 {{expected 'w1' of rank 3 [E, 2I, H], got rank 2 [32, 16]}}
  %y = moe.experts %x, %w1, %w2, %w, %i activation <silu_mul> : (tensor<4x16xbf16>, tensor<32x16xbf16>, tensor<8x16x16xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x16xbf16>
  return
}

// -----

func.func @experts_w1_hidden(%x: tensor<4x16xbf16>, %w1: tensor<8x32x8xbf16>, %w2: tensor<8x16x16xbf16>, %w: tensor<4x2xf32>, %i: tensor<4x2xi32>) {
  // expected-error @+1 {{expected dim 2 of 'w1' to be 16 (H from x), got 8 in [8, 32, 8]}}
  %y = moe.experts %x, %w1, %w2, %w, %i activation <silu_mul> : (tensor<4x16xbf16>, tensor<8x32x8xbf16>, tensor<8x16x16xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x16xbf16>
  return
}

// -----

func.func @experts_odd_gate_up(%x: tensor<4x16xbf16>, %w1: tensor<8x33x16xbf16>, %w2: tensor<8x16x16xbf16>, %w: tensor<4x2xf32>, %i: tensor<4x2xi32>) {
  // expected-error @+1 {{expected an even w1 row count 2I (gate and up halves) for the gated activation, got 33}}
  %y = moe.experts %x, %w1, %w2, %w, %i activation <silu_mul> : (tensor<4x16xbf16>, tensor<8x33x16xbf16>, tensor<8x16x16xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x16xbf16>
  return
}

// -----

func.func @experts_w2_experts(%x: tensor<4x16xbf16>, %w1: tensor<8x32x16xbf16>, %w2: tensor<4x16x16xbf16>, %w: tensor<4x2xf32>, %i: tensor<4x2xi32>) {
  // expected-error @+1 {{expected dim 0 of 'w2' to be 8 (E from w1), got 4 in [4, 16, 16]}}
  %y = moe.experts %x, %w1, %w2, %w, %i activation <silu_mul> : (tensor<4x16xbf16>, tensor<8x32x16xbf16>, tensor<4x16x16xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x16xbf16>
  return
}

// -----

func.func @experts_w2_hidden(%x: tensor<4x16xbf16>, %w1: tensor<8x32x16xbf16>, %w2: tensor<8x32x16xbf16>, %w: tensor<4x2xf32>, %i: tensor<4x2xi32>) {
  // expected-error @+1 {{expected dim 1 of 'w2' to be 16 (H from x), got 32 in [8, 32, 16]}}
  %y = moe.experts %x, %w1, %w2, %w, %i activation <silu_mul> : (tensor<4x16xbf16>, tensor<8x32x16xbf16>, tensor<8x32x16xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x16xbf16>
  return
}

// -----

func.func @experts_w2_intermediate(%x: tensor<4x16xbf16>, %w1: tensor<8x32x16xbf16>, %w2: tensor<8x16x32xbf16>, %w: tensor<4x2xf32>, %i: tensor<4x2xi32>) {
  // expected-error @+1 {{expected dim 2 of 'w2' to be 16 (I = 2I / 2 from w1), got 32 in [8, 16, 32]}}
  %y = moe.experts %x, %w1, %w2, %w, %i activation <silu_mul> : (tensor<4x16xbf16>, tensor<8x32x16xbf16>, tensor<8x16x32xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x16xbf16>
  return
}

// -----

func.func @experts_weight_type(%x: tensor<4x16xbf16>, %w1: tensor<8x32x16xf16>, %w2: tensor<8x16x16xbf16>, %w: tensor<4x2xf32>, %i: tensor<4x2xi32>) {
  // expected-error @+1 {{expected 'w1' element type 'bf16' (like x), got 'f16'}}
  %y = moe.experts %x, %w1, %w2, %w, %i activation <silu_mul> : (tensor<4x16xbf16>, tensor<8x32x16xf16>, tensor<8x16x16xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x16xbf16>
  return
}

// -----

func.func @experts_weights_tokens(%x: tensor<4x16xbf16>, %w1: tensor<8x32x16xbf16>, %w2: tensor<8x16x16xbf16>, %w: tensor<3x2xf32>, %i: tensor<4x2xi32>) {
  // expected-error @+1 {{expected dim 0 of 'weights' to be 4 (T from x), got 3 in [3, 2]}}
  %y = moe.experts %x, %w1, %w2, %w, %i activation <silu_mul> : (tensor<4x16xbf16>, tensor<8x32x16xbf16>, tensor<8x16x16xbf16>, tensor<3x2xf32>, tensor<4x2xi32>) -> tensor<4x16xbf16>
  return
}

// -----

func.func @experts_ids_k(%x: tensor<4x16xbf16>, %w1: tensor<8x32x16xbf16>, %w2: tensor<8x16x16xbf16>, %w: tensor<4x2xf32>, %i: tensor<4x3xi32>) {
  // expected-error @+1 {{expected dim 1 of 'ids' to be 2 (k from weights), got 3 in [4, 3]}}
  %y = moe.experts %x, %w1, %w2, %w, %i activation <silu_mul> : (tensor<4x16xbf16>, tensor<8x32x16xbf16>, tensor<8x16x16xbf16>, tensor<4x2xf32>, tensor<4x3xi32>) -> tensor<4x16xbf16>
  return
}

// -----

func.func @experts_top_k(%x: tensor<4x16xbf16>, %w1: tensor<2x32x16xbf16>, %w2: tensor<2x16x16xbf16>, %w: tensor<4x3xf32>, %i: tensor<4x3xi32>) {
  // expected-error @+1 {{expected top-k (3, dim 1 of ids) <= number of experts (2)}}
  %y = moe.experts %x, %w1, %w2, %w, %i activation <silu_mul> : (tensor<4x16xbf16>, tensor<2x32x16xbf16>, tensor<2x16x16xbf16>, tensor<4x3xf32>, tensor<4x3xi32>) -> tensor<4x16xbf16>
  return
}

// -----

func.func @experts_result_shape(%x: tensor<4x16xbf16>, %w1: tensor<8x32x16xbf16>, %w2: tensor<8x16x16xbf16>, %w: tensor<4x2xf32>, %i: tensor<4x2xi32>) {
  // expected-error @+1 {{expected dim 1 of 'result' to be 16 (H from x), got 32 in [4, 32]}}
  %y = moe.experts %x, %w1, %w2, %w, %i activation <silu_mul> : (tensor<4x16xbf16>, tensor<8x32x16xbf16>, tensor<8x16x16xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x32xbf16>
  return
}

// -----

func.func @experts_result_type(%x: tensor<4x16xbf16>, %w1: tensor<8x32x16xbf16>, %w2: tensor<8x16x16xbf16>, %w: tensor<4x2xf32>, %i: tensor<4x2xi32>) {
  // expected-error @+1 {{expected 'result' element type 'bf16' (like x), got 'f32'}}
  %y = moe.experts %x, %w1, %w2, %w, %i activation <silu_mul> : (tensor<4x16xbf16>, tensor<8x32x16xbf16>, tensor<8x16x16xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x16xf32>
  return
}

// -----

func.func @experts_one_bias(%x: tensor<4x16xbf16>, %w1: tensor<8x32x16xbf16>, %w2: tensor<8x16x16xbf16>, %w: tensor<4x2xf32>, %i: tensor<4x2xi32>, %b1: tensor<8x32xbf16>) {
  // expected-error @+1 {{expected biases for both w1 and w2 (biases %b1, %b2), got only w1 bias}}
  %y = "moe.experts"(%x, %w1, %w2, %w, %i, %b1) <{activation = #moe.activation<silu_mul>, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0, 1, 0>}> : (tensor<4x16xbf16>, tensor<8x32x16xbf16>, tensor<8x16x16xbf16>, tensor<4x2xf32>, tensor<4x2xi32>, tensor<8x32xbf16>) -> tensor<4x16xbf16>
  return
}

// -----

func.func @experts_w1_bias_rows(%x: tensor<4x16xbf16>, %w1: tensor<8x32x16xbf16>, %w2: tensor<8x16x16xbf16>, %w: tensor<4x2xf32>, %i: tensor<4x2xi32>, %b1: tensor<8x16xbf16>, %b2: tensor<8x16xbf16>) {
  // expected-error @+1 {{expected dim 1 of 'w1 bias' to be 32 (N = dim 1 of w1), got 16 in [8, 16]}}
  %y = moe.experts %x, %w1, %w2, %w, %i activation <silu_mul> biases %b1, %b2 : (tensor<4x16xbf16>, tensor<8x32x16xbf16>, tensor<8x16x16xbf16>, tensor<4x2xf32>, tensor<4x2xi32>, tensor<8x16xbf16>, tensor<8x16xbf16>) -> tensor<4x16xbf16>
  return
}

// -----

func.func @experts_w2_bias_experts(%x: tensor<4x16xbf16>, %w1: tensor<8x32x16xbf16>, %w2: tensor<8x16x16xbf16>, %w: tensor<4x2xf32>, %i: tensor<4x2xi32>, %b1: tensor<8x32xbf16>, %b2: tensor<4x16xbf16>) {
  // expected-error @+1 {{expected dim 0 of 'w2 bias' to be 8 (E from w2), got 4 in [4, 16]}}
  %y = moe.experts %x, %w1, %w2, %w, %i activation <silu_mul> biases %b1, %b2 : (tensor<4x16xbf16>, tensor<8x32x16xbf16>, tensor<8x16x16xbf16>, tensor<4x2xf32>, tensor<4x2xi32>, tensor<8x32xbf16>, tensor<4x16xbf16>) -> tensor<4x16xbf16>
  return
}

// -----

func.func @experts_bias_rank(%x: tensor<4x16xbf16>, %w1: tensor<8x32x16xbf16>, %w2: tensor<8x16x16xbf16>, %w: tensor<4x2xf32>, %i: tensor<4x2xi32>, %b1: tensor<8x32xbf16>, %b2: tensor<8x1x16xbf16>) {
  // expected-error @+1 {{expected 'w2 bias' of rank 2 [E, N], got rank 3 [8, 1, 16]}}
  %y = moe.experts %x, %w1, %w2, %w, %i activation <silu_mul> biases %b1, %b2 : (tensor<4x16xbf16>, tensor<8x32x16xbf16>, tensor<8x16x16xbf16>, tensor<4x2xf32>, tensor<4x2xi32>, tensor<8x32xbf16>, tensor<8x1x16xbf16>) -> tensor<4x16xbf16>
  return
}

//===----------------------------------------------------------------------===//
// moe.grouped_matmul
//===----------------------------------------------------------------------===//

// -----

func.func @gmm_reduction(%a: tensor<4x16xbf16>, %w: tensor<8x32x8xbf16>, %s: tensor<128xi32>, %b: tensor<8xi32>, %c: tensor<i32>) {
  // expected-error @+1 {{expected dim 2 of 'w' to be 16 (K from a), got 8 in [8, 32, 8]}}
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows tokens top_k 2 block_m 16 : (tensor<4x16xbf16>, tensor<8x32x8xbf16>, tensor<128xi32>, tensor<8xi32>, tensor<i32>) -> tensor<8x32xbf16>
  return
}

// -----

func.func @gmm_route_order_block_m(%a: tensor<4x16xbf16>, %w: tensor<8x32x16xbf16>, %ids: tensor<4x2xi32>) {
  // expected-error @+1 {{expected 'block_m' 1 in route order (route_ids), got 16}}
  %o = moe.grouped_matmul %a, %w route_ids %ids rows tokens top_k 2 block_m 16 : (tensor<4x16xbf16>, tensor<8x32x16xbf16>, tensor<4x2xi32>) -> tensor<8x32xbf16>
  return
}

// -----

func.func @gmm_both_routings(%a: tensor<4x16xbf16>, %w: tensor<8x32x16xbf16>, %s: tensor<128xi32>, %b: tensor<8xi32>, %c: tensor<i32>, %ids: tensor<4x2xi32>) {
  // expected-error @+1 {{expected either the three results of moe.align (sorted_route_ids, block_expert_ids, padded_count) or route_ids, got 3 of the three and route_ids}}
  %o = moe.grouped_matmul %a, %w, %s, %b, %c route_ids %ids rows tokens top_k 2 block_m 1 : (tensor<4x16xbf16>, tensor<8x32x16xbf16>, tensor<128xi32>, tensor<8xi32>, tensor<i32>, tensor<4x2xi32>) -> tensor<8x32xbf16>
  return
}

// -----

func.func @gmm_no_routing(%a: tensor<4x16xbf16>, %w: tensor<8x32x16xbf16>) {
  // expected-error @+1 {{expected either the three results of moe.align (sorted_route_ids, block_expert_ids, padded_count) or route_ids, got 0 of the three and no route_ids}}
  %o = moe.grouped_matmul %a, %w rows tokens top_k 2 block_m 1 : (tensor<4x16xbf16>, tensor<8x32x16xbf16>) -> tensor<8x32xbf16>
  return
}

// -----

func.func @gmm_sum_routes_aligned(%a: tensor<8x16xbf16>, %w: tensor<8x32x16xbf16>, %s: tensor<128xi32>, %b: tensor<8xi32>, %c: tensor<i32>) {
  // expected-error @+1 {{expected 'sum_routes' in route order (route_ids) with rows routes and no activation, got the results of moe.align, rows routes and no activation}}
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows routes top_k 2 block_m 16 sum_routes : (tensor<8x16xbf16>, tensor<8x32x16xbf16>, tensor<128xi32>, tensor<8xi32>, tensor<i32>) -> tensor<4x32xbf16>
  return
}

// -----

func.func @gmm_sum_routes_tokens(%a: tensor<4x16xbf16>, %w: tensor<8x32x16xbf16>, %ids: tensor<4x2xi32>) {
  // expected-error @+1 {{expected 'sum_routes' in route order (route_ids) with rows routes and no activation, got route_ids, rows tokens and an activation}}
  %o = moe.grouped_matmul %a, %w route_ids %ids rows tokens top_k 2 block_m 1 sum_routes activation <silu_mul> : (tensor<4x16xbf16>, tensor<8x32x16xbf16>, tensor<4x2xi32>) -> tensor<4x16xbf16>
  return
}

// -----

func.func @gmm_sum_routes_result_rows(%a: tensor<8x16xbf16>, %w: tensor<8x32x16xbf16>, %ids: tensor<4x2xi32>) {
  // expected-error @+1 {{expected dim 0 of 'result' to be 4 (T = rows of a / top_k, with sum_routes), got 8 in [8, 32]}}
  %o = moe.grouped_matmul %a, %w route_ids %ids rows routes top_k 2 block_m 1 sum_routes : (tensor<8x16xbf16>, tensor<8x32x16xbf16>, tensor<4x2xi32>) -> tensor<8x32xbf16>
  return
}

// -----

func.func @gmm_route_ids_k(%a: tensor<4x16xbf16>, %w: tensor<8x32x16xbf16>, %ids: tensor<4x3xi32>) {
  // expected-error @+1 {{expected dim 1 of 'route_ids' to be 2 (top_k), got 3 in [4, 3]}}
  %o = moe.grouped_matmul %a, %w route_ids %ids rows tokens top_k 2 block_m 1 : (tensor<4x16xbf16>, tensor<8x32x16xbf16>, tensor<4x3xi32>) -> tensor<8x32xbf16>
  return
}

// -----

func.func @gmm_block_m(%a: tensor<4x16xbf16>, %w: tensor<8x32x16xbf16>, %s: tensor<128xi32>, %b: tensor<8xi32>, %c: tensor<i32>) {
  // expected-error @+1 {{expected 'block_m' to be a power of two in [16, 256], got 512}}
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows tokens top_k 2 block_m 512 : (tensor<4x16xbf16>, tensor<8x32x16xbf16>, tensor<128xi32>, tensor<8xi32>, tensor<i32>) -> tensor<8x32xbf16>
  return
}

// -----

func.func @gmm_top_k(%a: tensor<4x16xbf16>, %w: tensor<8x32x16xbf16>, %s: tensor<128xi32>, %b: tensor<8xi32>, %c: tensor<i32>) {
  // expected-error @+1 {{expected 'top_k' >= 1, got 0}}
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows tokens top_k 0 block_m 16 : (tensor<4x16xbf16>, tensor<8x32x16xbf16>, tensor<128xi32>, tensor<8xi32>, tensor<i32>) -> tensor<8x32xbf16>
  return
}

// -----

func.func @gmm_tile_block_m(%a: tensor<4x16xbf16>, %w: tensor<8x32x16xbf16>, %s: tensor<128xi32>, %b: tensor<8xi32>, %c: tensor<i32>) {
  // expected-error @+1 {{expected the tile's block_m (32) to equal 'block_m' (16)}}
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows tokens top_k 2 block_m 16 tile <block_m = 32, block_n = 32> : (tensor<4x16xbf16>, tensor<8x32x16xbf16>, tensor<128xi32>, tensor<8xi32>, tensor<i32>) -> tensor<8x32xbf16>
  return
}

// -----

func.func @gmm_sorted_multiple(%a: tensor<4x16xbf16>, %w: tensor<8x32x16xbf16>, %s: tensor<120xi32>, %b: tensor<8xi32>, %c: tensor<i32>) {
  // expected-error @+1 {{expected the size of 'sorted_route_ids' (120) to be a multiple of block_m (16)}}
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows tokens top_k 2 block_m 16 : (tensor<4x16xbf16>, tensor<8x32x16xbf16>, tensor<120xi32>, tensor<8xi32>, tensor<i32>) -> tensor<8x32xbf16>
  return
}

// -----

func.func @gmm_block_count(%a: tensor<4x16xbf16>, %w: tensor<8x32x16xbf16>, %s: tensor<128xi32>, %b: tensor<4xi32>, %c: tensor<i32>) {
  // expected-error @+1 {{expected dim 0 of 'block_expert_ids' to be 8 (R_max / block_m from sorted_route_ids), got 4 in [4]}}
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows tokens top_k 2 block_m 16 : (tensor<4x16xbf16>, tensor<8x32x16xbf16>, tensor<128xi32>, tensor<4xi32>, tensor<i32>) -> tensor<8x32xbf16>
  return
}

// -----

func.func @gmm_route_rows(%a: tensor<9x16xbf16>, %w: tensor<8x32x16xbf16>, %s: tensor<128xi32>, %b: tensor<8xi32>, %c: tensor<i32>) {
  // expected-error @+1 {{expected the rows of 'a' (9) to be a multiple of top_k (2) with rows routes ([T * k, K])}}
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows routes top_k 2 block_m 16 : (tensor<9x16xbf16>, tensor<8x32x16xbf16>, tensor<128xi32>, tensor<8xi32>, tensor<i32>) -> tensor<9x32xbf16>
  return
}

// -----

func.func @gmm_result_rows(%a: tensor<4x16xbf16>, %w: tensor<8x32x16xbf16>, %s: tensor<128xi32>, %b: tensor<8xi32>, %c: tensor<i32>) {
  // expected-error @+1 {{expected dim 0 of 'result' to be 8 (T * k routes: rows of a x top_k), got 4 in [4, 32]}}
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows tokens top_k 2 block_m 16 : (tensor<4x16xbf16>, tensor<8x32x16xbf16>, tensor<128xi32>, tensor<8xi32>, tensor<i32>) -> tensor<4x32xbf16>
  return
}

// -----

func.func @gmm_odd_gate_up(%a: tensor<4x16xbf16>, %w: tensor<8x31x16xbf16>, %s: tensor<128xi32>, %b: tensor<8xi32>, %c: tensor<i32>) {
  // expected-error @+1 {{expected an even N (dim 1 of w) (gate and up halves) for the gated activation, got 31}}
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows tokens top_k 2 block_m 16 activation <silu_mul> : (tensor<4x16xbf16>, tensor<8x31x16xbf16>, tensor<128xi32>, tensor<8xi32>, tensor<i32>) -> tensor<8x15xbf16>
  return
}

// -----

func.func @gmm_result_cols(%a: tensor<4x16xbf16>, %w: tensor<8x32x16xbf16>, %s: tensor<128xi32>, %b: tensor<8xi32>, %c: tensor<i32>) {
  // expected-error @+1 {{expected dim 1 of 'result' to be 16 (N / 2 after the gated activation), got 32 in [8, 32]}}
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows tokens top_k 2 block_m 16 activation <silu_mul> : (tensor<4x16xbf16>, tensor<8x32x16xbf16>, tensor<128xi32>, tensor<8xi32>, tensor<i32>) -> tensor<8x32xbf16>
  return
}

// -----

func.func @gmm_weights(%a: tensor<8x16xbf16>, %w: tensor<8x32x16xbf16>, %s: tensor<128xi32>, %b: tensor<8xi32>, %c: tensor<i32>, %rw: tensor<4x4xf32>) {
  // expected-error @+1 {{expected dim 1 of 'weights' to be 2 (top_k), got 4 in [4, 4]}}
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows routes top_k 2 block_m 16 weights %rw : (tensor<8x16xbf16>, tensor<8x32x16xbf16>, tensor<128xi32>, tensor<8xi32>, tensor<i32>, tensor<4x4xf32>) -> tensor<8x32xbf16>
  return
}

// -----

func.func @gmm_unknown_rows(%a: tensor<8x16xbf16>, %w: tensor<8x32x16xbf16>, %s: tensor<128xi32>, %b: tensor<8xi32>, %c: tensor<i32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'rows' [tokens, routes]}}
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows experts top_k 2 block_m 16 : (tensor<8x16xbf16>, tensor<8x32x16xbf16>, tensor<128xi32>, tensor<8xi32>, tensor<i32>) -> tensor<8x32xbf16>
  return
}

// -----

func.func @gmm_bias_columns(%a: tensor<8x16xbf16>, %w: tensor<8x32x16xbf16>, %s: tensor<128xi32>, %b: tensor<8xi32>, %c: tensor<i32>, %bias: tensor<8x16xbf16>) {
  // expected-error @+1 {{expected dim 1 of 'bias' to be 32 (N = dim 1 of w), got 16 in [8, 16]}}
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows routes top_k 2 block_m 16 bias %bias : (tensor<8x16xbf16>, tensor<8x32x16xbf16>, tensor<128xi32>, tensor<8xi32>, tensor<i32>, tensor<8x16xbf16>) -> tensor<8x32xbf16>
  return
}

// -----

func.func @gmm_bias_experts(%a: tensor<8x16xbf16>, %w: tensor<8x32x16xbf16>, %s: tensor<128xi32>, %b: tensor<8xi32>, %c: tensor<i32>, %bias: tensor<32xbf16>) {
  // expected-error @+1 {{expected 'bias' of rank 2 [E, N], got rank 1 [32]}}
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows routes top_k 2 block_m 16 bias %bias : (tensor<8x16xbf16>, tensor<8x32x16xbf16>, tensor<128xi32>, tensor<8xi32>, tensor<i32>, tensor<32xbf16>) -> tensor<8x32xbf16>
  return
}

//===----------------------------------------------------------------------===//
// moe.activation and #moe.activation
//===----------------------------------------------------------------------===//

// -----

func.func @activation_odd(%x: tensor<4x7xf32>) {
  // expected-error @+1 {{expected an even last input dim 2I (gate and up halves) for the gated activation, got 7}}
  %y = moe.activation %x <silu_mul> : tensor<4x7xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @activation_result_cols(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{expected dim 1 of 'result' to be 4 (I = 2I / 2 from the input), got 8 in [4, 8]}}
  %y = moe.activation %x <silu_mul> : tensor<4x8xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @activation_result_rows(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{expected dim 0 of 'result' to be 4 (like the input), got 2 in [2, 4]}}
  %y = moe.activation %x <silu_mul> : tensor<4x8xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @activation_rank(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{expected 'result' of rank 2 like the input, got rank 1}}
  %y = moe.activation %x <silu_mul> : tensor<4x8xf32> -> tensor<16xf32>
  return
}

// -----

func.func @activation_scalar(%x: tensor<f32>) {
  // expected-error @+1 {{expected 'input' of rank >= 1 ([..., 2I]), got a 0-d tensor}}
  %y = moe.activation %x <silu_mul> : tensor<f32> -> tensor<f32>
  return
}

// -----

func.func @activation_unknown_kind(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{expected an activation kind (silu_mul, gelu_mul or swiglu_oai), got 'relu'}}
  %y = moe.activation %x <relu> : tensor<4x8xf32> -> tensor<4x4xf32>
  return
}

// -----

func.func @activation_alpha_not_oai(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'alpha' applies to swiglu_oai only, not to silu_mul}}
  %y = moe.activation %x <silu_mul, alpha = 1.0> : tensor<4x8xf32> -> tensor<4x4xf32>
  return
}

// -----

func.func @activation_alpha_positive(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{expected swiglu_oai 'alpha' > 0, got -1.702}}
  %y = moe.activation %x <swiglu_oai, alpha = -1.702> : tensor<4x8xf32> -> tensor<4x4xf32>
  return
}

// -----

func.func @activation_limit_positive(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{expected swiglu_oai 'limit' > 0, got 0}}
  %y = moe.activation %x <swiglu_oai, limit = 0.0> : tensor<4x8xf32> -> tensor<4x4xf32>
  return
}

// -----

func.func @activation_unknown_key(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{expected 'layout', 'alpha', 'beta' or 'limit', got 'gamma'}}
  %y = moe.activation %x <swiglu_oai, gamma = 1.0> : tensor<4x8xf32> -> tensor<4x4xf32>
  return
}

// -----

func.func @activation_key_twice(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'limit' is given twice}}
  %y = moe.activation %x <swiglu_oai, limit = 7.0, limit = 8.0> : tensor<4x8xf32> -> tensor<4x4xf32>
  return
}

// -----

func.func @activation_bad_layout(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{expected layout 'split' or 'interleaved', got 'blocked'}}
  %y = moe.activation %x <silu_mul, layout = blocked> : tensor<4x8xf32> -> tensor<4x4xf32>
  return
}

//===----------------------------------------------------------------------===//
// moe.combine
//===----------------------------------------------------------------------===//

// -----

func.func @combine_routes(%r: tensor<6x16xbf16>, %s: tensor<4x2xf32>) {
  // expected-error @+1 {{expected dim 0 of 'routes' to be 8 (T * k from scale), got 6 in [6, 16]}}
  %y = moe.combine %r, %s : tensor<6x16xbf16>, tensor<4x2xf32> -> tensor<4x16xbf16>
  return
}

// -----

func.func @combine_result_tokens(%r: tensor<8x16xbf16>, %s: tensor<4x2xf32>) {
  // expected-error @+1 {{expected dim 0 of 'result' to be 4 (T from scale), got 8 in [8, 16]}}
  %y = moe.combine %r, %s : tensor<8x16xbf16>, tensor<4x2xf32> -> tensor<8x16xbf16>
  return
}

// -----

func.func @combine_scale_type(%r: tensor<8x16xbf16>, %s: tensor<4x2xbf16>) {
  // expected-error @+1 {{operand #1 must be ranked tensor of 32-bit float values}}
  %y = moe.combine %r, %s : tensor<8x16xbf16>, tensor<4x2xbf16> -> tensor<4x16xbf16>
  return
}

//===----------------------------------------------------------------------===//
// moe.rms_norm, moe.add_rms_norm
//===----------------------------------------------------------------------===//

// -----

func.func @rms_norm_eps(%x: tensor<4x16xbf16>, %w: tensor<16xbf16>) {
  // expected-error @+1 {{expected 'eps' > 0, got 0}}
  %y = moe.rms_norm %x, %w eps 0.0 : tensor<4x16xbf16>, tensor<16xbf16>
  return
}

// -----

func.func @rms_norm_weight_size(%x: tensor<4x16xbf16>, %w: tensor<8xbf16>) {
  // expected-error @+1 {{expected dim 0 of 'weight' to be 16 (H, the last dim of x), got 8 in [8]}}
  %y = moe.rms_norm %x, %w eps 1.0e-06 : tensor<4x16xbf16>, tensor<8xbf16>
  return
}

// -----

func.func @rms_norm_weight_rank(%x: tensor<4x16xbf16>, %w: tensor<1x16xbf16>) {
  // expected-error @+1 {{expected 'weight' of rank 1 [H], got rank 2 [1, 16]}}
  %y = moe.rms_norm %x, %w eps 1.0e-06 : tensor<4x16xbf16>, tensor<1x16xbf16>
  return
}

// -----

func.func @rms_norm_scalar(%x: tensor<bf16>, %w: tensor<16xbf16>) {
  // expected-error @+1 {{expected 'x' of rank >= 1 ([..., H]), got a 0-d tensor}}
  %y = moe.rms_norm %x, %w eps 1.0e-06 : tensor<bf16>, tensor<16xbf16>
  return
}

// -----

func.func @rms_norm_offset(%x: tensor<4x16xbf16>, %w: tensor<16xbf16>) {
  // expected-error @+1 {{expected a finite 'offset', got INF}}
  %y = moe.rms_norm %x, %w eps 1.0e-06 offset 0x7F800000 : tensor<4x16xbf16>, tensor<16xbf16>
  return
}

// -----

func.func @add_rms_norm_types(%x: tensor<4x16xbf16>, %r: tensor<4x16xf32>, %w: tensor<16xbf16>) {
  // expected-error @+1 {{failed to verify that all of {x, residual, normed, residual_out} have same type}}
  %n, %o = "moe.add_rms_norm"(%x, %r, %w) <{epsilon = 1.0e-06 : f32, offset = 0.0 : f32}> : (tensor<4x16xbf16>, tensor<4x16xf32>, tensor<16xbf16>) -> (tensor<4x16xbf16>, tensor<4x16xbf16>)
  return
}

// -----

func.func @add_rms_norm_eps(%x: tensor<4x16xbf16>, %r: tensor<4x16xbf16>, %w: tensor<16xbf16>) {
  // expected-error @+1 {{expected 'eps' > 0, got -1}}
  %n, %o = moe.add_rms_norm %x, %r, %w eps -1.0 : tensor<4x16xbf16>, tensor<16xbf16>
  return
}

//===----------------------------------------------------------------------===//
// Collectives and #moe.parallel
//===----------------------------------------------------------------------===//

// -----

func.func @collective_without_layout(%x: tensor<4x16xbf16>) {
  // expected-error @+1 {{expected an enclosing 'moe.parallel' layout (on the module or function) that defines group 'tp'}}
  %y = moe.all_reduce %x group "tp" : tensor<4x16xbf16>
  return
}

// -----

module attributes {moe.parallel = #moe.parallel<tp = 4, ep = 8>} {
  func.func @collective_unknown_group(%x: tensor<4x16xbf16>) {
    // expected-error @+1 {{expected group 'dp' in the enclosing layout #moe.parallel<tp = 4, ep = 8> (groups: 'tp', 'ep')}}
    %y = moe.all_reduce %x group "dp" : tensor<4x16xbf16>
    return
  }
}

// -----

module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @all_gather_dim(%x: tensor<4x16xbf16>) {
    // expected-error @+1 {{expected 'dim' in [0, 2), got 2}}
    %y = moe.all_gather %x group "tp" dim 2 : tensor<4x16xbf16> -> tensor<4x64xbf16>
    return
  }
}

// -----

module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @all_gather_size(%x: tensor<4x16xbf16>) {
    // expected-error @+1 {{expected dim 1 of 'result' to be 64 (input dim x group 'tp' has 4 ranks), got 32 in [4, 32]}}
    %y = moe.all_gather %x group "tp" dim 1 : tensor<4x16xbf16> -> tensor<4x32xbf16>
    return
  }
}

// -----

module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @all_gather_other_dim(%x: tensor<4x16xbf16>) {
    // expected-error @+1 {{expected dim 0 of 'result' to be 4 (like the input), got 8 in [8, 64]}}
    %y = moe.all_gather %x group "tp" dim 1 : tensor<4x16xbf16> -> tensor<8x64xbf16>
    return
  }
}

// -----

module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @reduce_scatter_divisible(%x: tensor<4x18xbf16>) {
    // expected-error @+1 {{expected dim 1 of 'input' (18) to be divisible by the size of group 'tp' has 4 ranks}}
    %y = moe.reduce_scatter %x group "tp" dim 1 : tensor<4x18xbf16> -> tensor<4x4xbf16>
    return
  }
}

// -----

module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @reduce_scatter_size(%x: tensor<4x16xbf16>) {
    // expected-error @+1 {{expected dim 1 of 'result' to be 4 (input dim / group 'tp' has 4 ranks), got 16 in [4, 16]}}
    %y = moe.reduce_scatter %x group "tp" dim 1 : tensor<4x16xbf16> -> tensor<4x16xbf16>
    return
  }
}

// -----

module attributes {moe.parallel = #moe.parallel<ep = 8>} {
  func.func @all_to_all_counts(%x: tensor<?x16xbf16>, %c: tensor<4xi32>) {
    // expected-error @+1 {{expected 'send_counts' of shape [8] (one count per rank of group 'ep'), got [4]}}
    %y, %r = moe.all_to_all %x, %c group "ep" : tensor<?x16xbf16>, tensor<4xi32> -> tensor<?x16xbf16>, tensor<4xi32>
    return
  }
}

// -----

module attributes {moe.parallel = #moe.parallel<ep = 8>} {
  func.func @all_to_all_row_width(%x: tensor<?x16xbf16>, %c: tensor<8xi32>) {
    // expected-error @+1 {{expected dim 1 of 'result' to be 16 (like the input), got 32 in [?, 32]}}
    %y, %r = moe.all_to_all %x, %c group "ep" : tensor<?x16xbf16>, tensor<8xi32> -> tensor<?x32xbf16>, tensor<8xi32>
    return
  }
}

// -----

module attributes {moe.parallel = #moe.parallel<tp = 2>} {
  func.func @fused_norm_weight(%x: tensor<4x16xbf16>, %r: tensor<4x16xbf16>, %w: tensor<32xbf16>) {
    // expected-error @+1 {{expected dim 0 of 'weight' to be 16 (H, the last dim of x), got 32 in [32]}}
    %n, %o = moe.all_reduce_add_rms_norm %x, %r, %w group "tp" eps 1.0e-06 : tensor<4x16xbf16>, tensor<32xbf16>
    return
  }
}

// -----

// expected-error @+1 {{expected unique group names, got 'tp' twice}}
module attributes {moe.parallel = #moe.parallel<tp = 4, tp = 2>} {}

// -----

// expected-error @+1 {{expected group 'ep' to have at least 1 rank, got 0}}
module attributes {moe.parallel = #moe.parallel<ep = 0>} {}

// -----

// expected-error @+1 {{expected at least one group, e.g. <tp = 8>}}
module attributes {moe.parallel = #moe.parallel<>} {}

// -----

// expected-error @+1 {{expected 'moe.parallel' to be a #moe.parallel layout, got 4 : i64}}
module attributes {moe.parallel = 4} {}

// -----

module {
  func.func @layout_on_op(%x: f32) {
    // expected-error @+1 {{expected 'moe.parallel' on a module or function, got it on 'arith.addf'}}
    %y = arith.addf %x, %x {moe.parallel = #moe.parallel<tp = 2>} : f32
    return
  }
}

// -----

// expected-error @+1 {{expected 'moe.dynamic_shared_bytes' to be an i64 >= 0 on a function, got -1 : i64}}
func.func @dynamic_shared_below_zero() attributes {moe.dynamic_shared_bytes = -1 : i64} {
  return
}

// -----

// expected-error @+1 {{unknown moe attribute 'moe.layout'; expected 'moe.parallel', 'moe.check_messages', 'moe.dynamic_shared_bytes' or 'moe.token_bucket'}}
module attributes {moe.layout = #moe.parallel<tp = 2>} {}

//===----------------------------------------------------------------------===//
// #moe.tile
//===----------------------------------------------------------------------===//

// -----

// expected-error @+1 {{expected 'block_m' to be a power of two in [16, 256], got 8}}
func.func @tile_block_m() attributes {tile = #moe.tile<block_m = 8, block_n = 64>} {
  return
}

// -----

// expected-error @+1 {{expected 'block_n' to be a power of two in [8, 512], got 48}}
func.func @tile_block_n() attributes {tile = #moe.tile<block_m = 16, block_n = 48>} {
  return
}

// -----

// expected-error @+1 {{expected a non-empty group name}}
module attributes {moe.parallel = #moe.parallel<"" = 4>} {}

// -----

func.func @activation_beta_finite(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{expected a finite swiglu_oai 'beta', got INF}}
  %y = moe.activation %x <swiglu_oai, beta = 0x7FF0000000000000> : tensor<4x8xf32> -> tensor<4x4xf32>
  return
}

// -----

module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @all_gather_rank(%x: tensor<4x16xbf16>) {
    // expected-error @+1 {{expected 'result' of rank 2 like the input, got rank 1}}
    %y = moe.all_gather %x group "tp" dim 1 : tensor<4x16xbf16> -> tensor<256xbf16>
    return
  }
}

// -----

module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @all_gather_type(%x: tensor<4x16xbf16>) {
    // expected-error @+1 {{expected 'result' element type 'bf16' (like the input), got 'f32'}}
    %y = moe.all_gather %x group "tp" dim 1 : tensor<4x16xbf16> -> tensor<4x64xf32>
    return
  }
}

// -----

module attributes {moe.parallel = #moe.parallel<ep = 2>} {
  func.func @all_to_all_scalar(%x: tensor<bf16>, %c: tensor<2xi32>) {
    // expected-error @+1 {{expected 'input' of rank >= 1 (rows first), got a 0-d tensor}}
    %y, %r = moe.all_to_all %x, %c group "ep" : tensor<bf16>, tensor<2xi32> -> tensor<bf16>, tensor<2xi32>
    return
  }
}

// -----

module attributes {moe.parallel = #moe.parallel<ep = 2>} {
  func.func @all_to_all_recv_counts(%x: tensor<?x16xbf16>, %c: tensor<2xi32>) {
    // expected-error @+1 {{expected 'recv_counts' of shape [2] (one count per rank of group 'ep'), got [?]}}
    %y, %r = moe.all_to_all %x, %c group "ep" : tensor<?x16xbf16>, tensor<2xi32> -> tensor<?x16xbf16>, tensor<?xi32>
    return
  }
}

// -----

func.func @gmm_weight_type(%a: tensor<4x16xbf16>, %w: tensor<8x32x16xf32>, %s: tensor<128xi32>, %b: tensor<8xi32>, %c: tensor<i32>) {
  // expected-error @+1 {{expected 'w' element type 'bf16' (like a), got 'f32'}}
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows tokens top_k 2 block_m 16 : (tensor<4x16xbf16>, tensor<8x32x16xf32>, tensor<128xi32>, tensor<8xi32>, tensor<i32>) -> tensor<8x32xbf16>
  return
}

// -----

// expected-error @+1 {{expected 'moe.ep_rank' to be a unit attribute on an index argument, got it on argument #0 of type 'i32'}}
func.func @ep_rank_type(%r: i32 {moe.ep_rank}) {
  return
}

// -----

// expected-error @+1 {{unknown moe argument attribute 'moe.rank'; expected 'moe.ep_rank' or 'moe.tokens'}}
func.func @ep_rank_name(%r: index {moe.rank}) {
  return
}

// -----

// expected-error @+1 {{expected 'moe.tokens' to be a unit attribute on a ranked tensor or memref argument of rank >= 1, got it on argument #0 of type 'index'}}
func.func @tokens_type(%n: index {moe.tokens}) {
  return
}

// -----

// expected-error @+1 {{expected 'moe.token_bucket' to be a dictionary {of = @dispatcher, min = i64 >= 0, max = i64 >= min (optional), expected = i64 >= 1 in [min, max]}, got {expected = 2 : i64, max = 4 : i64, min = 8 : i64, of = @f}}}
func.func private @bucket_range() attributes {moe.token_bucket = {of = @f, min = 8, max = 4, expected = 2}}

// -----

// expected-error @+1 {{expected 'moe.token_bucket' to be a dictionary {of = @dispatcher, min = i64 >= 0, max = i64 >= min (optional), expected = i64 >= 1 in [min, max]}, got {expected = 4 : i64, min = 1 : i64, of = "f"}}}
func.func private @bucket_of() attributes {moe.token_bucket = {of = "f", min = 1, expected = 4}}

// -----

// expected-error @+1 {{expected 'moe.token_bucket' to be a dictionary {of = @dispatcher, min = i64 >= 0, max = i64 >= min (optional), expected = i64 >= 1 in [min, max]}, got {expected = 4 : i64, min = 1 : ui64, of = @f}}}
func.func private @bucket_unsigned() attributes {moe.token_bucket = {of = @f, min = 1 : ui64, expected = 4}}

// -----

// expected-error @+1 {{expected 'moe.token_bucket' on a function, got it on 'builtin.module'}}
module attributes {moe.token_bucket = {of = @f, min = 1, expected = 4}} {}

// -----

// expected-error @+1 {{expected 'moe.check_messages' to be an array of strings on a module}}
module attributes {moe.check_messages = ["fine", 3]} {}

//===----------------------------------------------------------------------===//
// Zero-sized H, I, E, N, K and k are rejected (T = 0, an empty batch, is valid)
//===----------------------------------------------------------------------===//

// -----

func.func @experts_zero_hidden(%x: tensor<?x0xbf16>, %w1: tensor<8x48x0xbf16>, %w2: tensor<8x0x24xbf16>, %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>) {
  // expected-error @+1 {{expected dim 1 of 'x' (H) to be >= 1, got 0 in [?, 0]}}
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul> : (tensor<?x0xbf16>, tensor<8x48x0xbf16>, tensor<8x0x24xbf16>, tensor<?x2xf32>, tensor<?x2xi32>) -> tensor<?x0xbf16>
  return
}

// -----

func.func @experts_zero_experts(%x: tensor<?x32xbf16>, %w1: tensor<0x48x32xbf16>, %w2: tensor<0x32x24xbf16>, %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>) {
  // expected-error @+1 {{expected dim 0 of 'w1' (E) to be >= 1, got 0 in [0, 48, 32]}}
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul> : (tensor<?x32xbf16>, tensor<0x48x32xbf16>, tensor<0x32x24xbf16>, tensor<?x2xf32>, tensor<?x2xi32>) -> tensor<?x32xbf16>
  return
}

// -----

func.func @experts_zero_intermediate(%x: tensor<?x32xbf16>, %w1: tensor<8x0x32xbf16>, %w2: tensor<8x32x0xbf16>, %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>) {
  // expected-error @+1 {{expected dim 1 of 'w1' (2I) to be >= 1, got 0 in [8, 0, 32]}}
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul> : (tensor<?x32xbf16>, tensor<8x0x32xbf16>, tensor<8x32x0xbf16>, tensor<?x2xf32>, tensor<?x2xi32>) -> tensor<?x32xbf16>
  return
}

// -----

func.func @experts_zero_top_k(%x: tensor<?x32xbf16>, %w1: tensor<8x48x32xbf16>, %w2: tensor<8x32x24xbf16>, %w: tensor<?x0xf32>, %ids: tensor<?x0xi32>) {
  // expected-error @+1 {{expected dim 1 of 'ids' (top-k) to be >= 1, got 0 in [?, 0]}}
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul> : (tensor<?x32xbf16>, tensor<8x48x32xbf16>, tensor<8x32x24xbf16>, tensor<?x0xf32>, tensor<?x0xi32>) -> tensor<?x32xbf16>
  return
}

// -----

func.func @grouped_matmul_zero_experts(%a: tensor<?x32xbf16>, %w: tensor<0x16x32xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) {
  // expected-error @+1 {{expected dim 0 of 'w' (E) to be >= 1, got 0 in [0, 16, 32]}}
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows tokens top_k 2 block_m 16 : (tensor<?x32xbf16>, tensor<0x16x32xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x16xbf16>
  return
}

// -----

func.func @grouped_matmul_zero_n(%a: tensor<?x32xbf16>, %w: tensor<8x0x32xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) {
  // expected-error @+1 {{expected dim 1 of 'w' (N) to be >= 1, got 0 in [8, 0, 32]}}
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows tokens top_k 2 block_m 16 : (tensor<?x32xbf16>, tensor<8x0x32xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x0xbf16>
  return
}

// -----

func.func @grouped_matmul_zero_k(%a: tensor<?x0xbf16>, %w: tensor<8x16x0xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) {
  // expected-error @+1 {{expected dim 1 of 'a' (K) to be >= 1, got 0 in [?, 0]}}
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows tokens top_k 2 block_m 16 : (tensor<?x0xbf16>, tensor<8x16x0xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x16xbf16>
  return
}

// -----

func.func @activation_zero_width(%h: tensor<?x0xbf16>) {
  // expected-error @+1 {{expected dim 1 of 'input' (2I) to be >= 1, got 0 in [?, 0]}}
  %a = moe.activation %h <silu_mul> : tensor<?x0xbf16> -> tensor<?x0xbf16>
  return
}

// -----

func.func @combine_zero_top_k(%r: tensor<0x32xbf16>, %s: tensor<4x0xf32>) {
  // expected-error @+1 {{expected dim 1 of 'scale' (k) to be >= 1, got 0 in [4, 0]}}
  %y = moe.combine %r, %s : tensor<0x32xbf16>, tensor<4x0xf32> -> tensor<4x32xbf16>
  return
}

// -----

func.func @rms_norm_zero_hidden(%x: tensor<?x0xbf16>, %w: tensor<0xbf16>) {
  // expected-error @+1 {{expected dim 1 of 'x' (H) to be >= 1, got 0 in [?, 0]}}
  %y = moe.rms_norm %x, %w eps 1.0e-06 : tensor<?x0xbf16>, tensor<0xbf16>
  return
}

//===----------------------------------------------------------------------===//
// #moe.gemm_plan
//===----------------------------------------------------------------------===//

// -----

// expected-error @+1 {{expected 'waves_n' >= 1, got 0}}
func.func @plan_waves() attributes {plan = #moe.gemm_plan<block_n = 64, waves_n = 0, slices = 1, group = 1, row_group = 1, loads = registers, unroll = 1>} {
  return
}

// -----

// expected-error @+1 {{expected 'stages' >= 2 with async_copy loads, got none}}
func.func @plan_no_stages() attributes {plan = #moe.gemm_plan<block_n = 64, waves_n = 4, slices = 1, group = 1, row_group = 1, loads = async_copy>} {
  return
}

// -----

// expected-error @+1 {{expected 'stages' >= 2 with async_copy loads, got 1}}
func.func @plan_one_stage() attributes {plan = #moe.gemm_plan<block_n = 64, waves_n = 4, slices = 1, group = 1, row_group = 1, loads = async_copy, stages = 1>} {
  return
}

// -----

// expected-error @+1 {{expected 'k_tile' only with shared_tiles loads, got warpgroup_tiles}}
func.func @plan_k_tile_warpgroup() attributes {plan = #moe.gemm_plan<block_n = 64, waves_n = 1, slices = 1, group = 8, row_group = 1, loads = warpgroup_tiles, stages = 3, k_tile = 128>} {
  return
}

// -----

// expected-error @+1 {{expected 'k_tile' of 32, 64 or 128, got 256}}
func.func @plan_k_tile_256() attributes {plan = #moe.gemm_plan<block_n = 64, waves_n = 4, slices = 1, group = 2, row_group = 1, loads = shared_tiles, stages = 2, k_tile = 256>} {
  return
}

// -----

// expected-error @+1 {{expected no 'unroll' with async_copy loads (the stages pipeline the loop)}}
func.func @plan_staged_unroll() attributes {plan = #moe.gemm_plan<block_n = 64, waves_n = 4, slices = 1, group = 1, row_group = 1, loads = async_copy, stages = 3, unroll = 2>} {
  return
}

// -----

// expected-error @+1 {{expected 'slices' = 1 with shared_tiles loads (waves split the rows, not K), got 2}}
func.func @plan_shared_slices() attributes {plan = #moe.gemm_plan<block_n = 64, waves_n = 4, slices = 2, group = 2, row_group = 2, loads = shared_tiles, stages = 3>} {
  return
}

// -----

// expected-error @+1 {{expected no 'stages' with row_dot loads}}
func.func @plan_row_dot_stages() attributes {plan = #moe.gemm_plan<block_n = 64, waves_n = 4, slices = 1, group = 2, row_group = 1, loads = row_dot, unroll = 1, stages = 2>} {
  return
}

// -----

// expected-error @+1 {{expected 'stages' >= 2 with mma_row_dot loads, got 1}}
func.func @plan_mma_row_dot_one_stage() attributes {plan = #moe.gemm_plan<block_n = 32, waves_n = 4, slices = 1, group = 1, row_group = 8, loads = mma_row_dot, unroll = 2, stages = 1>} {
  return
}

// -----

// expected-error @+1 {{expected 'unroll' >= 1 with register loads, got none}}
func.func @plan_no_unroll() attributes {plan = #moe.gemm_plan<block_n = 64, waves_n = 4, slices = 1, group = 1, row_group = 1, loads = registers>} {
  return
}

// -----

// expected-error @+1 {{expected no 'stages' with register loads}}
func.func @plan_register_stages() attributes {plan = #moe.gemm_plan<block_n = 64, waves_n = 4, slices = 1, group = 1, row_group = 1, loads = registers, unroll = 1, stages = 3>} {
  return
}

// -----

func.func @combine_ids_without_experts(%r: tensor<8x16xbf16>, %s: tensor<4x2xf32>, %ids: tensor<4x2xi32>) {
  // expected-error @+1 {{expected 'ids' and 'experts' together (the routes' expert ids and the local experts), got ids without experts}}
  %y = moe.combine %r, %s ids %ids : tensor<8x16xbf16>, tensor<4x2xf32>, tensor<4x2xi32> -> tensor<4x16xbf16>
  return
}

// -----

func.func @combine_ids_shape(%r: tensor<8x16xbf16>, %s: tensor<4x2xf32>, %ids: tensor<4x3xi32>) {
  // expected-error @+1 {{expected dim 1 of 'ids' to be 2 (k from scale), got 3 in [4, 3]}}
  %y = moe.combine %r, %s ids %ids experts 8 : tensor<8x16xbf16>, tensor<4x2xf32>, tensor<4x3xi32> -> tensor<4x16xbf16>
  return
}

// -----

func.func @combine_zero_experts(%r: tensor<8x16xbf16>, %s: tensor<4x2xf32>, %ids: tensor<4x2xi32>) {
  // expected-error @+1 {{expected 'experts' >= 1, got 0}}
  %y = moe.combine %r, %s ids %ids experts 0 : tensor<8x16xbf16>, tensor<4x2xf32>, tensor<4x2xi32> -> tensor<4x16xbf16>
  return
}

// -----

// A declaration's argument attributes are checked against its type.
// expected-error @+1 {{expected 'moe.ep_rank' to be a unit attribute on an index argument, got it on argument #0 of type 'i32'}}
func.func private @ep_rank_declaration(%r: i32 {moe.ep_rank})

// -----

func.func @quant_block_without_sizes(%x: tensor<4x256xbf16>) {
  // expected-error @+1 {{expected block sizes after 'block' (#moe.quant<block [rows, cols]>)}}
  %q, %s = moe.quantize %x <block> : tensor<4x256xbf16> -> (tensor<4x256xf8E4M3FN>, tensor<4x2xf32>)
  return
}

// -----

func.func @quant_sizes_without_block(%x: tensor<4x256xbf16>) {
  // expected-error @+1 {{expected no block sizes for 'per_row'}}
  %q, %s = moe.quantize %x <per_row [1, 128]> : tensor<4x256xbf16> -> (tensor<4x256xf8E4M3FN>, tensor<4xf32>)
  return
}

// -----

func.func @quant_empty_block(%x: tensor<4x256xbf16>) {
  // expected-error @+1 {{expected block sizes of at least 1, got [0, 128]}}
  %q, %s = moe.quantize %x <block [0, 128]> : tensor<4x256xbf16> -> (tensor<4x256xf8E4M3FN>, tensor<4x2xf32>)
  return
}

// -----

func.func @quantize_values_shape(%x: tensor<4x256xbf16>) {
  // expected-error @+1 {{expected 'values' of shape [4, 256] (the shape of the input), got [4, 128]}}
  %q, %s = moe.quantize %x <per_row> : tensor<4x256xbf16> -> (tensor<4x128xf8E4M3FN>, tensor<4xf32>)
  return
}

// -----

func.func @quantize_scales_shape(%x: tensor<?x7168xbf16>) {
  // expected-error @+1 {{expected 'values scales' of shape [?, 56] (one per group of the scheme), got [?, 57]}}
  %q, %s = moe.quantize %x <block [1, 128]> : tensor<?x7168xbf16> -> (tensor<?x7168xf8E4M3FN>, tensor<?x57xf32>)
  return
}

// -----

func.func @quantize_mx_scale_type(%x: tensor<4x64xbf16>) {
  // expected-error @+1 {{expected 'values scales' element type 'f8E8M0FNU' (mx scales are powers of two), got 'f32'}}
  %q, %s = moe.quantize %x <mx> : tensor<4x64xbf16> -> (tensor<4x64xf8E4M3FN>, tensor<4x2xf32>)
  return
}

// -----

func.func @quantize_f32_scale_type(%x: tensor<4x64xbf16>) {
  // expected-error @+1 {{expected 'values scales' element type 'f32' (scales of this scheme are f32), got 'f8E8M0FNU'}}
  %q, %s = moe.quantize %x <per_row> : tensor<4x64xbf16> -> (tensor<4x64xf8E4M3FN>, tensor<4xf8E8M0FNU>)
  return
}

// -----

func.func @quantize_mx_block(%x: tensor<4x48xbf16>) {
  // expected-error @+1 {{expected the last dimension of 'values' to be a multiple of 32 (the mx block), got 48}}
  %q, %s = moe.quantize %x <mx> : tensor<4x48xbf16> -> (tensor<4x48xf4E2M1FN>, tensor<4x1xf8E8M0FNU>)
  return
}

// -----

func.func @quantize_fp4_needs_mx(%x: tensor<4x64xbf16>) {
  // expected-error @+1 {{expected the 'mx' scheme for f4E2M1FN 'values' (MXFP4), got 'per_row'}}
  %q, %s = moe.quantize %x <per_row> : tensor<4x64xbf16> -> (tensor<4x64xf4E2M1FN>, tensor<4xf32>)
  return
}

// -----

func.func @quantize_rank(%x: tensor<64xbf16>) {
  // expected-error @+1 {{expected 'values' of rank 2 or more for the 'per_row' scheme ([..., rows, cols]), got rank 1}}
  %q, %s = moe.quantize %x <per_row> : tensor<64xbf16> -> (tensor<64xf8E4M3FN>, tensor<f32>)
  return
}

// -----

func.func @quantize_value_type(%x: tensor<4x64xbf16>) {
  // expected-error @+1 {{result #0 must be ranked tensor of f8E4M3FN type or f8E4M3FNUZ type or f4E2M1FN type values, but got 'tensor<4x64xbf16>'}}
  %q, %s = moe.quantize %x <per_row> : tensor<4x64xbf16> -> (tensor<4x64xbf16>, tensor<4xf32>)
  return
}

// -----

func.func @dequantize_result_shape(%q: tensor<8x64x96xf8E4M3FN>, %s: tensor<8x64xf32>) {
  // expected-error @+1 {{expected 'result' of shape [8, 64, 96] (the shape of the values), got [8, 96, 64]}}
  %w = moe.dequantize %q, %s <per_row> : (tensor<8x64x96xf8E4M3FN>, tensor<8x64xf32>) -> tensor<8x96x64xbf16>
  return
}

// -----

func.func @dequantize_block_scales(%q: tensor<8x300x200xf8E4M3FN>, %s: tensor<8x2x2xf32>) {
  // expected-error @+1 {{expected 'values scales' of shape [8, 3, 2] (one per group of the scheme), got [8, 2, 2]}}
  %w = moe.dequantize %q, %s <block [128, 128]> : (tensor<8x300x200xf8E4M3FN>, tensor<8x2x2xf32>) -> tensor<8x300x200xbf16>
  return
}

// -----

func.func @experts_scales_for_bf16(%x: tensor<4x64xbf16>, %w1: tensor<4x64x64xbf16>, %w2: tensor<4x64x32xbf16>, %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>, %s1: tensor<4x64xf32>, %s2: tensor<4x64xf32>) {
  // expected-error @+1 {{expected no weight scales for 'bf16' weights (scales belong to fp8 and fp4 weights), got weight_scales}}
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul> weight_scales %s1, %s2 <per_row> : (tensor<4x64xbf16>, tensor<4x64x64xbf16>, tensor<4x64x32xbf16>, tensor<4x2xf32>, tensor<4x2xi32>, tensor<4x64xf32>, tensor<4x64xf32>) -> tensor<4x64xbf16>
  return
}

// -----

func.func @experts_fp8_without_scales(%x: tensor<4x64xbf16>, %w1: tensor<4x64x64xf8E4M3FN>, %w2: tensor<4x64x32xf8E4M3FN>, %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>) {
  // expected-error @+1 {{expected 'weight_scales' for 'f8E4M3FN' weights (weight_scales %w1_scales, %w2_scales <scheme>)}}
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul> : (tensor<4x64xbf16>, tensor<4x64x64xf8E4M3FN>, tensor<4x64x32xf8E4M3FN>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x64xbf16>
  return
}

// -----

func.func @experts_mixed_weight_types(%x: tensor<4x64xbf16>, %w1: tensor<4x64x64xf8E4M3FN>, %w2: tensor<4x64x32xf8E4M3FNUZ>, %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>, %s1: tensor<4x64xf32>, %s2: tensor<4x64xf32>) {
  // expected-error @+1 {{expected 'w2' element type 'f8E4M3FN' (like w1), got 'f8E4M3FNUZ'}}
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul> weight_scales %s1, %s2 <per_row> : (tensor<4x64xbf16>, tensor<4x64x64xf8E4M3FN>, tensor<4x64x32xf8E4M3FNUZ>, tensor<4x2xf32>, tensor<4x2xi32>, tensor<4x64xf32>, tensor<4x64xf32>) -> tensor<4x64xbf16>
  return
}

// -----

func.func @experts_weight_scales_shape(%x: tensor<4x64xbf16>, %w1: tensor<4x64x64xf8E4M3FN>, %w2: tensor<4x64x32xf8E4M3FN>, %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>, %s1: tensor<4x32xf32>, %s2: tensor<4x64xf32>) {
  // expected-error @+1 {{expected 'w1 scales' of shape [4, 64] (one per group of the scheme), got [4, 32]}}
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul> weight_scales %s1, %s2 <per_row> : (tensor<4x64xbf16>, tensor<4x64x64xf8E4M3FN>, tensor<4x64x32xf8E4M3FN>, tensor<4x2xf32>, tensor<4x2xi32>, tensor<4x32xf32>, tensor<4x64xf32>) -> tensor<4x64xbf16>
  return
}

// -----

func.func @experts_one_scale(%x: tensor<4x64xbf16>, %w1: tensor<4x64x64xf8E4M3FN>, %w2: tensor<4x64x32xf8E4M3FN>, %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>, %s1: tensor<4x64xf32>) {
  // expected-error @+1 {{expected scales for both w1 and w2, got only w1 scales}}
  %y = "moe.experts"(%x, %w1, %w2, %w, %ids, %s1) <{activation = #moe.activation<silu_mul>, weight_quant = #moe.quant<per_row>, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 0, 0, 0>}> : (tensor<4x64xbf16>, tensor<4x64x64xf8E4M3FN>, tensor<4x64x32xf8E4M3FN>, tensor<4x2xf32>, tensor<4x2xi32>, tensor<4x64xf32>) -> tensor<4x64xbf16>
  return
}

// -----

func.func @experts_act_type(%x: tensor<4x64xbf16>, %w1: tensor<4x64x64xbf16>, %w2: tensor<4x64x32xbf16>, %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>) {
  // expected-error @+1 {{expected an fp8 or fp4 'act_quant' type (f8E4M3FN, f8E4M3FNUZ or f4E2M1FN), got 'bf16'}}
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul> act_quant <per_row> bf16 : (tensor<4x64xbf16>, tensor<4x64x64xbf16>, tensor<4x64x32xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x64xbf16>
  return
}

// -----

func.func @experts_act_scheme(%x: tensor<4x64xbf16>, %w1: tensor<4x64x64xbf16>, %w2: tensor<4x64x32xbf16>, %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>) {
  // expected-error @+1 {{expected an 'act_quant' scheme of one token's row (per_row, block [1, n] or mx), got #moe.quant<block [128, 128]>}}
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul> act_quant <block [128, 128]> f8E4M3FN : (tensor<4x64xbf16>, tensor<4x64x64xbf16>, tensor<4x64x32xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x64xbf16>
  return
}

// -----

func.func @experts_act_fp4_scheme(%x: tensor<4x64xbf16>, %w1: tensor<4x64x64xbf16>, %w2: tensor<4x64x32xbf16>, %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>) {
  // expected-error @+1 {{expected the 'mx' act_quant scheme for f4E2M1FN activations (MXFP4), got #moe.quant<per_row>}}
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul> act_quant <per_row> f4E2M1FN : (tensor<4x64xbf16>, tensor<4x64x64xbf16>, tensor<4x64x32xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x64xbf16>
  return
}

// -----

func.func @experts_act_mx_block(%x: tensor<4x48xbf16>, %w1: tensor<4x64x48xbf16>, %w2: tensor<4x48x32xbf16>, %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>) {
  // expected-error @+1 {{expected H to be a multiple of 32 for mx activations, got 48}}
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul> act_quant <mx> f8E4M3FN : (tensor<4x48xbf16>, tensor<4x64x48xbf16>, tensor<4x48x32xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x48xbf16>
  return
}

// -----

func.func @quantize_rank_0(%x: tensor<bf16>) {
  // expected-error @+1 {{expected 'values' of rank 1 or more, got rank 0}}
  %q, %s = moe.quantize %x <per_tensor> : tensor<bf16> -> (tensor<f8E4M3FN>, tensor<f32>)
  return
}

// -----

func.func @experts_act_type_alone(%x: tensor<4x64xbf16>, %w1: tensor<4x64x64xbf16>, %w2: tensor<4x64x32xbf16>, %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>) {
  // expected-error @+1 {{expected 'act_quant' and 'act_type' together, got only act_type}}
  %y = "moe.experts"(%x, %w1, %w2, %w, %ids) <{activation = #moe.activation<silu_mul>, act_type = f8E4M3FN, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0, 0, 0>}> : (tensor<4x64xbf16>, tensor<4x64x64xbf16>, tensor<4x64x32xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x64xbf16>
  return
}

// -----

func.func @gmm_a_without_scales(%a: tensor<4x64xf8E4M3FN>, %w: tensor<4x64x64xf8E4M3FN>, %ids: tensor<4x2xi32>, %ws: tensor<4x64xf32>) -> tensor<8x64xbf16> {
  // expected-error @+1 {{expected 'a_scales' for 'f8E4M3FN' 'a' (scales belong to fp8 and fp4 values), got none}}
  %y = moe.grouped_matmul %a, %w route_ids %ids rows tokens top_k 2 block_m 1 w_scales %ws <per_row> : (tensor<4x64xf8E4M3FN>, tensor<4x64x64xf8E4M3FN>, tensor<4x2xi32>, tensor<4x64xf32>) -> tensor<8x64xbf16>
  return %y : tensor<8x64xbf16>
}

// -----

func.func @gmm_bf16_w_with_scales(%a: tensor<4x64xbf16>, %w: tensor<4x64x64xbf16>, %ids: tensor<4x2xi32>, %ws: tensor<4x64xf32>) -> tensor<8x64xbf16> {
  // expected-error @+1 {{expected no 'w_scales' for 'bf16' 'w' (scales belong to fp8 and fp4 values), got scales}}
  %y = moe.grouped_matmul %a, %w route_ids %ids rows tokens top_k 2 block_m 1 w_scales %ws <per_row> : (tensor<4x64xbf16>, tensor<4x64x64xbf16>, tensor<4x2xi32>, tensor<4x64xf32>) -> tensor<8x64xbf16>
  return %y : tensor<8x64xbf16>
}

// -----

func.func @gmm_w_scale_shape(%a: tensor<4x64xbf16>, %w: tensor<4x64x64xf8E4M3FN>, %ids: tensor<4x2xi32>, %ws: tensor<4x32xf32>) -> tensor<8x64xbf16> {
  // expected-error @+1 {{'w scales'}}
  %y = moe.grouped_matmul %a, %w route_ids %ids rows tokens top_k 2 block_m 1 w_scales %ws <per_row> : (tensor<4x64xbf16>, tensor<4x64x64xf8E4M3FN>, tensor<4x2xi32>, tensor<4x32xf32>) -> tensor<8x64xbf16>
  return %y : tensor<8x64xbf16>
}

// -----

func.func @gmm_quantized_a_bf16_w(%a: tensor<4x64xf8E4M3FN>, %w: tensor<4x64x64xbf16>, %ids: tensor<4x2xi32>, %as: tensor<4xf32>) -> tensor<8x64xbf16> {
  // expected-error @+1 {{expected fp8 or fp4 'w' for the quantized 'a' ('f8E4M3FN'; a8w8, a4w4 or a8w4), got 'bf16'}}
  %y = moe.grouped_matmul %a, %w route_ids %ids rows tokens top_k 2 block_m 1 a_scales %as <per_row> : (tensor<4x64xf8E4M3FN>, tensor<4x64x64xbf16>, tensor<4x2xi32>, tensor<4xf32>) -> tensor<8x64xbf16>
  return %y : tensor<8x64xbf16>
}

// -----

func.func @gmm_quantized_result_without_out_quant(%a: tensor<4x64xf8E4M3FN>, %w: tensor<4x64x64xf8E4M3FN>, %ids: tensor<4x2xi32>, %as: tensor<4xf32>, %ws: tensor<4x64xf32>) -> tensor<8x64xf8E4M3FN> {
  // expected-error @+1 {{expected a bf16, f16 or f32 result for the quantized 'a', got 'f8E4M3FN'}}
  %y = moe.grouped_matmul %a, %w route_ids %ids rows tokens top_k 2 block_m 1 a_scales %as <per_row> w_scales %ws <per_row> : (tensor<4x64xf8E4M3FN>, tensor<4x64x64xf8E4M3FN>, tensor<4x2xi32>, tensor<4xf32>, tensor<4x64xf32>) -> tensor<8x64xf8E4M3FN>
  return %y : tensor<8x64xf8E4M3FN>
}

// -----

func.func @gmm_result_scales_without_out_quant(%a: tensor<4x64xbf16>, %w: tensor<4x64x64xbf16>, %ids: tensor<4x2xi32>) -> tensor<8x64xbf16> {
  // expected-error @+1 {{expected one result without 'out_quant', got result scales}}
  %y, %s = moe.grouped_matmul %a, %w route_ids %ids rows tokens top_k 2 block_m 1 : (tensor<4x64xbf16>, tensor<4x64x64xbf16>, tensor<4x2xi32>) -> (tensor<8x64xbf16>, tensor<8xf32>)
  return %y : tensor<8x64xbf16>
}

// -----

func.func @gmm_out_quant_without_from(%a: tensor<4x64xbf16>, %w: tensor<4x64x64xbf16>, %ids: tensor<4x2xi32>) -> tensor<8x64xf8E4M3FN> {
  // expected-error @+1 {{expected 'out_quant' and its 'from' type together}}
  %y, %s = "moe.grouped_matmul"(%a, %w, %ids) <{rows = 0 : i32, top_k = 2 : i64, block_m = 1 : i64, out_quant = #moe.quant<per_row>, operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 1, 0, 0, 0, 0>}> : (tensor<4x64xbf16>, tensor<4x64x64xbf16>, tensor<4x2xi32>) -> (tensor<8x64xf8E4M3FN>, tensor<8xf32>)
  return %y : tensor<8x64xf8E4M3FN>
}

// -----

func.func @gmm_out_quant_from_quantized(%a: tensor<4x64xf8E4M3FN>, %w: tensor<4x64x64xf8E4M3FN>, %ids: tensor<4x2xi32>, %as: tensor<4xf32>, %ws: tensor<4x64xf32>) -> tensor<8x64xf8E4M3FN> {
  // expected-error @+1 {{expected a bf16, f16 or f32 'from' type of out_quant (what the unquantized result would hold), got 'f8E4M3FN'}}
  %y, %s = moe.grouped_matmul %a, %w route_ids %ids rows tokens top_k 2 block_m 1 a_scales %as <per_row> w_scales %ws <per_row> out_quant <per_row> from f8E4M3FN : (tensor<4x64xf8E4M3FN>, tensor<4x64x64xf8E4M3FN>, tensor<4x2xi32>, tensor<4xf32>, tensor<4x64xf32>) -> (tensor<8x64xf8E4M3FN>, tensor<8xf32>)
  return %y : tensor<8x64xf8E4M3FN>
}

// -----

func.func @gmm_out_quant_from_other_type(%a: tensor<4x64xbf16>, %w: tensor<4x64x64xbf16>, %ids: tensor<4x2xi32>) -> tensor<8x64xf8E4M3FN> {
  // expected-error @+1 {{expected the 'from' type of out_quant to be a's type ('bf16'), got 'f16'}}
  %y, %s = moe.grouped_matmul %a, %w route_ids %ids rows tokens top_k 2 block_m 1 out_quant <per_row> from f16 : (tensor<4x64xbf16>, tensor<4x64x64xbf16>, tensor<4x2xi32>) -> (tensor<8x64xf8E4M3FN>, tensor<8xf32>)
  return %y : tensor<8x64xf8E4M3FN>
}

// -----

func.func @gmm_out_quant_bf16_result(%a: tensor<4x64xbf16>, %w: tensor<4x64x64xbf16>, %ids: tensor<4x2xi32>) -> tensor<8x64xbf16> {
  // expected-error @+1 {{expected fp8 or fp4 values and their scales as results with out_quant, got 'bf16' and scales}}
  %y, %s = moe.grouped_matmul %a, %w route_ids %ids rows tokens top_k 2 block_m 1 out_quant <per_row> from bf16 : (tensor<4x64xbf16>, tensor<4x64x64xbf16>, tensor<4x2xi32>) -> (tensor<8x64xbf16>, tensor<8xf32>)
  return %y : tensor<8x64xbf16>
}

// -----

func.func @gmm_out_quant_not_row(%a: tensor<4x64xbf16>, %w: tensor<4x64x64xbf16>, %ids: tensor<4x2xi32>) -> tensor<8x64xf8E4M3FN> {
  // expected-error @+1 {{expected an 'out_quant' scheme of one row (per_row, block [1, n] or mx), got #moe.quant<block [2, 32]>}}
  %y, %s = moe.grouped_matmul %a, %w route_ids %ids rows tokens top_k 2 block_m 1 out_quant <block [2, 32]> from bf16 : (tensor<4x64xbf16>, tensor<4x64x64xbf16>, tensor<4x2xi32>) -> (tensor<8x64xf8E4M3FN>, tensor<4x2xf32>)
  return %y : tensor<8x64xf8E4M3FN>
}

// -----

func.func @gmm_out_quant_scale_shape(%a: tensor<4x64xbf16>, %w: tensor<4x64x64xbf16>, %ids: tensor<4x2xi32>) -> tensor<8x64xf8E4M3FN> {
  // expected-error @+1 {{'result scales'}}
  %y, %s = moe.grouped_matmul %a, %w route_ids %ids rows tokens top_k 2 block_m 1 out_quant <mx> from bf16 : (tensor<4x64xbf16>, tensor<4x64x64xbf16>, tensor<4x2xi32>) -> (tensor<8x64xf8E4M3FN>, tensor<8x2xf32>)
  return %y : tensor<8x64xf8E4M3FN>
}

// -----

func.func @gmm_out_quant_sum_routes(%a: tensor<8x64xbf16>, %w: tensor<4x64x64xbf16>, %ids: tensor<4x2xi32>) -> tensor<4x64xf8E4M3FN> {
  // expected-error @+1 {{expected no 'sum_routes' with out_quant (the summed rows are not quantized)}}
  %y, %s = moe.grouped_matmul %a, %w route_ids %ids rows routes top_k 2 block_m 1 sum_routes out_quant <per_row> from bf16 : (tensor<8x64xbf16>, tensor<4x64x64xbf16>, tensor<4x2xi32>) -> (tensor<4x64xf8E4M3FN>, tensor<4xf32>)
  return %y : tensor<4x64xf8E4M3FN>
}
