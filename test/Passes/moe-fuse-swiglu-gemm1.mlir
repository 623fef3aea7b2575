// RUN: moe-opt %s -split-input-file -moe-fuse-swiglu-gemm1 | FileCheck %s

// CHECK-LABEL: func.func @fuse_split_silu
// CHECK-SAME: (%[[X:.*]]: tensor<4x32xbf16>, %[[W1:.*]]: tensor<8x48x32xbf16>, %[[S:.*]]: tensor<128xi32>, %[[B:.*]]: tensor<8xi32>, %[[C:.*]]: tensor<i32>)
// CHECK: %[[H:.*]] = moe.grouped_matmul %[[X]], %[[W1]], %[[S]], %[[B]], %[[C]] rows tokens top_k 2 block_m 16 activation <silu_mul> tile <block_m = 16, block_n = 32> : {{.*}} -> tensor<8x24xbf16>
// CHECK-NOT: moe.activation
// CHECK: return %[[H]]
func.func @fuse_split_silu(%x: tensor<4x32xbf16>, %w1: tensor<8x48x32xbf16>, %s: tensor<128xi32>,
                           %b: tensor<8xi32>, %c: tensor<i32>) -> tensor<8x24xbf16> {
  %h = moe.grouped_matmul %x, %w1, %s, %b, %c rows tokens top_k 2 block_m 16
      tile <block_m = 16, block_n = 32>
      : (tensor<4x32xbf16>, tensor<8x48x32xbf16>, tensor<128xi32>, tensor<8xi32>, tensor<i32>) -> tensor<8x48xbf16>
  %a = moe.activation %h <silu_mul> : tensor<8x48xbf16> -> tensor<8x24xbf16>
  return %a : tensor<8x24xbf16>
}

// -----

// CHECK-LABEL: func.func @fuse_interleaved_swiglu_oai
// CHECK: %[[H:.*]] = moe.grouped_matmul {{.*}} rows tokens top_k 4 block_m 16 activation <swiglu_oai, layout = interleaved, alpha = 1.702, beta = 1.0, limit = 7.0> : {{.*}} -> tensor<?x2880xbf16>
// CHECK-NOT: moe.activation
// CHECK: return %[[H]]
func.func @fuse_interleaved_swiglu_oai(%x: tensor<?x2880xbf16>, %w1: tensor<128x5760x2880xbf16>, %s: tensor<?xi32>,
                                       %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x2880xbf16> {
  %h = moe.grouped_matmul %x, %w1, %s, %b, %c rows tokens top_k 4 block_m 16
      : (tensor<?x2880xbf16>, tensor<128x5760x2880xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x5760xbf16>
  %a = moe.activation %h <swiglu_oai, layout = interleaved> : tensor<?x5760xbf16> -> tensor<?x2880xbf16>
  return %a : tensor<?x2880xbf16>
}

// -----

// CHECK-LABEL: func.func @fuse_gelu_keeps_routed_weight
// CHECK: moe.grouped_matmul {{.*}} weights %{{.*}} activation <gelu_mul>
// CHECK-NOT: moe.activation
func.func @fuse_gelu_keeps_routed_weight(%x: tensor<4x32xf16>, %w1: tensor<8x48x32xf16>, %s: tensor<128xi32>,
                                         %b: tensor<8xi32>, %c: tensor<i32>, %rw: tensor<4x2xf32>) -> tensor<8x24xf16> {
  %h = moe.grouped_matmul %x, %w1, %s, %b, %c rows tokens top_k 2 block_m 16 weights %rw
      : (tensor<4x32xf16>, tensor<8x48x32xf16>, tensor<128xi32>, tensor<8xi32>, tensor<i32>, tensor<4x2xf32>) -> tensor<8x48xf16>
  %a = moe.activation %h <gelu_mul> : tensor<8x48xf16> -> tensor<8x24xf16>
  return %a : tensor<8x24xf16>
}

// -----

// The 2I-wide intermediate is also returned: fusing would lose it.
// CHECK-LABEL: func.func @negative_intermediate_has_other_users
// CHECK: %[[H:.*]] = moe.grouped_matmul {{.*}} block_m 16 : {{.*}} -> tensor<8x48xbf16>
// CHECK: %[[A:.*]] = moe.activation %[[H]] <silu_mul>
// CHECK: return %[[A]], %[[H]]
func.func @negative_intermediate_has_other_users(%x: tensor<4x32xbf16>, %w1: tensor<8x48x32xbf16>, %s: tensor<128xi32>,
                                                 %b: tensor<8xi32>, %c: tensor<i32>) -> (tensor<8x24xbf16>, tensor<8x48xbf16>) {
  %h = moe.grouped_matmul %x, %w1, %s, %b, %c rows tokens top_k 2 block_m 16
      : (tensor<4x32xbf16>, tensor<8x48x32xbf16>, tensor<128xi32>, tensor<8xi32>, tensor<i32>) -> tensor<8x48xbf16>
  %a = moe.activation %h <silu_mul> : tensor<8x48xbf16> -> tensor<8x24xbf16>
  return %a, %h : tensor<8x24xbf16>, tensor<8x48xbf16>
}

// -----

// The GEMM already ends in an activation; the second one stays separate.
// CHECK-LABEL: func.func @negative_gemm_already_has_epilogue
// CHECK: %[[H:.*]] = moe.grouped_matmul {{.*}} activation <silu_mul> : {{.*}} -> tensor<8x24xbf16>
// CHECK: moe.activation %[[H]] <gelu_mul> : tensor<8x24xbf16> -> tensor<8x12xbf16>
func.func @negative_gemm_already_has_epilogue(%x: tensor<4x32xbf16>, %w1: tensor<8x48x32xbf16>, %s: tensor<128xi32>,
                                              %b: tensor<8xi32>, %c: tensor<i32>) -> tensor<8x12xbf16> {
  %h = moe.grouped_matmul %x, %w1, %s, %b, %c rows tokens top_k 2 block_m 16 activation <silu_mul>
      : (tensor<4x32xbf16>, tensor<8x48x32xbf16>, tensor<128xi32>, tensor<8xi32>, tensor<i32>) -> tensor<8x24xbf16>
  %a = moe.activation %h <gelu_mul> : tensor<8x24xbf16> -> tensor<8x12xbf16>
  return %a : tensor<8x12xbf16>
}

// -----

// The gate/up width is unknown: the epilogue cannot be laid out.
// CHECK-LABEL: func.func @negative_dynamic_gate_up_width
// CHECK: moe.grouped_matmul {{.*}} -> tensor<8x?xbf16>
// CHECK: moe.activation
func.func @negative_dynamic_gate_up_width(%x: tensor<4x32xbf16>, %w1: tensor<8x?x32xbf16>, %s: tensor<128xi32>,
                                          %b: tensor<8xi32>, %c: tensor<i32>) -> tensor<8x?xbf16> {
  %h = moe.grouped_matmul %x, %w1, %s, %b, %c rows tokens top_k 2 block_m 16
      : (tensor<4x32xbf16>, tensor<8x?x32xbf16>, tensor<128xi32>, tensor<8xi32>, tensor<i32>) -> tensor<8x?xbf16>
  %a = moe.activation %h <silu_mul> : tensor<8x?xbf16> -> tensor<8x?xbf16>
  return %a : tensor<8x?xbf16>
}

// -----

// The activation reads something other than a grouped GEMM.
// CHECK-LABEL: func.func @negative_not_a_gemm
// CHECK: moe.activation %{{.*}} <silu_mul>
func.func @negative_not_a_gemm(%h: tensor<8x48xbf16>) -> tensor<8x24xbf16> {
  %a = moe.activation %h <silu_mul> : tensor<8x48xbf16> -> tensor<8x24xbf16>
  return %a : tensor<8x24xbf16>
}
