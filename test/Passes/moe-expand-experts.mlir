// RUN: moe-opt %s -split-input-file -moe-expand-experts | FileCheck %s
// RUN: moe-opt %s -split-input-file -moe-expand-experts="block-m=64" | FileCheck %s --check-prefix=BM64
// RUN: moe-opt %s -split-input-file -moe-expand-experts="block-m=1" | FileCheck %s --check-prefix=ROUTES
// RUN: not moe-opt %s -moe-expand-experts="block-m=24" 2>&1 | FileCheck %s --check-prefix=BADBM

// BADBM: error: expected 'block-m' to be 1 (route order) or a power of two in [16, 256], got 24

// CHECK-LABEL: func.func @static_tokens
// CHECK-NOT: moe.experts
// CHECK-SAME: (%[[X:.*]]: tensor<4x32xbf16>, %[[W1:.*]]: tensor<8x48x32xbf16>, %[[W2:.*]]: tensor<8x32x24xbf16>, %[[W:.*]]: tensor<4x2xf32>, %[[IDS:.*]]: tensor<4x2xi32>)
// CHECK-NOT: moe.check_size
// CHECK: %[[SORTED:.*]], %[[BLOCKS:.*]], %[[COUNT:.*]] = moe.align %[[IDS]] experts 8 block_m 16 : tensor<4x2xi32> -> tensor<128xi32>, tensor<8xi32>, tensor<i32>
// CHECK: %[[H:.*]] = moe.grouped_matmul %[[X]], %[[W1]], %[[SORTED]], %[[BLOCKS]], %[[COUNT]] rows tokens top_k 2 block_m 16 : {{.*}} -> tensor<8x48xbf16>
// CHECK: %[[ACT:.*]] = moe.activation %[[H]] <silu_mul> : tensor<8x48xbf16> -> tensor<8x24xbf16>
// CHECK: %[[O:.*]] = moe.grouped_matmul %[[ACT]], %[[W2]], %[[SORTED]], %[[BLOCKS]], %[[COUNT]] rows routes top_k 2 block_m 16 : {{.*}} -> tensor<8x32xbf16>
// The combine uses only the routes of experts the align kept (so GEMM2's
// output needs no zero fill).
// CHECK: %[[Y:.*]] = moe.combine %[[O]], %[[W]] ids %[[IDS]] experts 8 : tensor<8x32xbf16>, tensor<4x2xf32>, tensor<4x2xi32> -> tensor<4x32xbf16>
// CHECK: return %[[Y]]
// BM64-LABEL: func.func @static_tokens
// Route order (block-m 1): no moe.align, both GEMMs read the ids.
// ROUTES-LABEL: func.func @static_tokens
// ROUTES-NOT: moe.align
// ROUTES: %[[H:.*]] = moe.grouped_matmul %arg0, %arg1 route_ids %arg4 rows tokens top_k 2 block_m 1 : (tensor<4x32xbf16>, tensor<8x48x32xbf16>, tensor<4x2xi32>) -> tensor<8x48xbf16>
// ROUTES: %[[A:.*]] = moe.activation %[[H]]
// ROUTES: %[[O:.*]] = moe.grouped_matmul %[[A]], %arg2 route_ids %arg4 rows routes top_k 2 block_m 1 : (tensor<8x24xbf16>, tensor<8x32x24xbf16>, tensor<4x2xi32>) -> tensor<8x32xbf16>
// ROUTES: moe.combine %[[O]], %arg3 ids %arg4 experts 8
// BM64: moe.align %{{.*}} experts 8 block_m 64 : tensor<4x2xi32> -> tensor<512xi32>, tensor<8xi32>, tensor<i32>
func.func @static_tokens(%x: tensor<4x32xbf16>, %w1: tensor<8x48x32xbf16>, %w2: tensor<8x32x24xbf16>,
                         %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>) -> tensor<4x32xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      : (tensor<4x32xbf16>, tensor<8x48x32xbf16>, tensor<8x32x24xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x32xbf16>
  return %y : tensor<4x32xbf16>
}

// -----

// The tile decides block_m and travels to both GEMMs; T stays dynamic. The
// relations of moe.experts that dynamic T leaves open come first, as
// moe.check_size (H is static on both sides: no check).
// CHECK-LABEL: func.func @dynamic_tokens_tiled
// CHECK-SAME: (%[[X:.*]]: tensor<?x2880xbf16>, {{.*}}, %[[W:.*]]: tensor<?x4xf32>, %[[IDS:.*]]: tensor<?x4xi32>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[XT:.*]] = tensor.dim %[[X]], %[[C0]]
// CHECK: %[[WT:.*]] = tensor.dim %[[W]], %[[C0]]
// CHECK: moe.check_size %[[WT]], %[[XT]] for "moe.experts" "dim 0 of 'weights' must equal dim 0 of 'x' (T)"
// CHECK: %[[IT:.*]] = tensor.dim %[[IDS]], %[[C0]]
// CHECK: moe.check_size %[[IT]], %{{.*}} for "moe.experts" "dim 0 of 'ids' must equal dim 0 of 'x' (T)"
// CHECK-NOT: moe.check_size
// CHECK: moe.align %{{.*}} experts 128 block_m 32 : tensor<?x4xi32> -> tensor<?xi32>, tensor<?xi32>, tensor<i32>
// CHECK: moe.grouped_matmul {{.*}} rows tokens top_k 4 block_m 32 tile <block_m = 32, block_n = 64> : {{.*}} -> tensor<?x5760xbf16>
// CHECK: moe.activation %{{.*}} <swiglu_oai, layout = interleaved, alpha = 1.702, beta = 1.0, limit = 7.0> : tensor<?x5760xbf16> -> tensor<?x2880xbf16>
// CHECK: moe.grouped_matmul {{.*}} rows routes top_k 4 block_m 32 tile <block_m = 32, block_n = 64> : {{.*}} -> tensor<?x2880xbf16>
// CHECK: moe.combine {{.*}} -> tensor<?x2880xbf16>
// BM64-LABEL: func.func @dynamic_tokens_tiled
// BM64: moe.align %{{.*}} block_m 32
func.func @dynamic_tokens_tiled(%x: tensor<?x2880xbf16>, %w1: tensor<128x5760x2880xbf16>, %w2: tensor<128x2880x2880xbf16>,
                                %w: tensor<?x4xf32>, %ids: tensor<?x4xi32>) -> tensor<?x2880xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <swiglu_oai, layout = interleaved>
      tile <block_m = 32, block_n = 64>
      : (tensor<?x2880xbf16>, tensor<128x5760x2880xbf16>, tensor<128x2880x2880xbf16>, tensor<?x4xf32>, tensor<?x4xi32>) -> tensor<?x2880xbf16>
  return %y : tensor<?x2880xbf16>
}

// -----

// A dynamic expert count cannot size moe.align: left alone.
// CHECK-LABEL: func.func @negative_dynamic_experts
// CHECK: moe.experts
// CHECK-NOT: moe.align
func.func @negative_dynamic_experts(%x: tensor<4x32xbf16>, %w1: tensor<?x48x32xbf16>, %w2: tensor<?x32x24xbf16>,
                                    %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>) -> tensor<4x32xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      : (tensor<4x32xbf16>, tensor<?x48x32xbf16>, tensor<?x32x24xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x32xbf16>
  return %y : tensor<4x32xbf16>
}

// -----

// CHECK-LABEL: func.func @negative_dynamic_top_k
// CHECK: moe.experts
// CHECK-NOT: moe.align
func.func @negative_dynamic_top_k(%x: tensor<4x32xbf16>, %w1: tensor<8x48x32xbf16>, %w2: tensor<8x32x24xbf16>,
                                  %w: tensor<4x?xf32>, %ids: tensor<4x?xi32>) -> tensor<4x32xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      : (tensor<4x32xbf16>, tensor<8x48x32xbf16>, tensor<8x32x24xbf16>, tensor<4x?xf32>, tensor<4x?xi32>) -> tensor<4x32xbf16>
  return %y : tensor<4x32xbf16>
}

// -----

// x has a static T and the ids a dynamic one (valid): moe.align is sized
// from the ids, the GEMMs from x.
// CHECK-LABEL: func.func @mixed_static_dynamic_tokens
// CHECK: moe.align %{{.*}} experts 8 block_m 16 : tensor<?x2xi32> -> tensor<?xi32>, tensor<?xi32>, tensor<i32>
// CHECK: moe.grouped_matmul {{.*}} -> tensor<8x48xbf16>
func.func @mixed_static_dynamic_tokens(%x: tensor<4x32xbf16>, %w1: tensor<8x48x32xbf16>, %w2: tensor<8x32x24xbf16>,
                                       %w: tensor<4x2xf32>, %ids: tensor<?x2xi32>) -> tensor<4x32xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      : (tensor<4x32xbf16>, tensor<8x48x32xbf16>, tensor<8x32x24xbf16>, tensor<4x2xf32>, tensor<?x2xi32>) -> tensor<4x32xbf16>
  return %y : tensor<4x32xbf16>
}

// -----

// x's H is dynamic, the weights' static: GEMM2 takes the static H of w2 (the
// GPU kernels need a static output width), and the H relations are checked
// at run time.
// CHECK-LABEL: func.func @dynamic_hidden
// CHECK: moe.check_size %{{.*}}, %{{.*}} for "moe.experts" "dim 2 of 'w1' must equal dim 1 of 'x' (H)"
// CHECK: moe.check_size %{{.*}}, %{{.*}} for "moe.experts" "dim 1 of 'w2' must equal dim 1 of 'x' (H)"
// CHECK: moe.grouped_matmul {{.*}} rows routes {{.*}} -> tensor<?x32xbf16>
// CHECK: moe.combine {{.*}} : tensor<?x32xbf16>, tensor<?x2xf32>, tensor<?x2xi32> -> tensor<?x?xbf16>
func.func @dynamic_hidden(%x: tensor<?x?xbf16>, %w1: tensor<8x48x32xbf16>, %w2: tensor<8x32x24xbf16>,
                          %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>) -> tensor<?x?xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      : (tensor<?x?xbf16>, tensor<8x48x32xbf16>, tensor<8x32x24xbf16>, tensor<?x2xf32>, tensor<?x2xi32>) -> tensor<?x?xbf16>
  return %y : tensor<?x?xbf16>
}

// -----

// Quantized weights go to both GEMMs with their scales; act_quant puts a
// moe.quantize before each GEMM (x, then the activation's bf16 result).
// CHECK-LABEL: func.func @quantized
// CHECK: %[[XQ:.*]], %[[XS:.*]] = moe.quantize %arg0 <block [1, 16]> : tensor<4x32xbf16> -> (tensor<4x32xf8E4M3FN>, tensor<4x2xf32>)
// CHECK: %[[H:.*]] = moe.grouped_matmul %[[XQ]], %arg1, {{.*}} rows tokens {{.*}} a_scales %[[XS]] <block [1, 16]> w_scales %arg5 <per_row>
// CHECK-SAME: -> tensor<8x48xbf16>
// CHECK: %[[A:.*]] = moe.activation %[[H]] <silu_mul>
// CHECK: %[[AQ:.*]], %[[AS:.*]] = moe.quantize %[[A]] <block [1, 16]> : tensor<8x24xbf16> -> (tensor<8x24xf8E4M3FN>, tensor<8x2xf32>)
// CHECK-NOT: moe.quantize
// CHECK: moe.grouped_matmul %[[AQ]], %arg2, {{.*}} rows routes {{.*}} a_scales %[[AS]] <block [1, 16]> w_scales %arg6 <per_row>
// CHECK: moe.combine
func.func @quantized(%x: tensor<4x32xbf16>, %w1: tensor<4x48x32xf8E4M3FN>, %w2: tensor<4x32x24xf8E4M3FN>,
                     %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>, %s1: tensor<4x48xf32>, %s2: tensor<4x32xf32>) -> tensor<4x32xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul> weight_scales %s1, %s2 <per_row> act_quant <block [1, 16]> f8E4M3FN
      : (tensor<4x32xbf16>, tensor<4x48x32xf8E4M3FN>, tensor<4x32x24xf8E4M3FN>, tensor<4x2xf32>, tensor<4x2xi32>, tensor<4x48xf32>, tensor<4x32xf32>) -> tensor<4x32xbf16>
  return %y : tensor<4x32xbf16>
}

// -----

// Quantized weights with bf16 activations (a16w8): no moe.quantize.
// CHECK-LABEL: func.func @weight_only
// CHECK-NOT: moe.quantize
// CHECK: moe.grouped_matmul %arg0, %arg1, {{.*}} w_scales %arg5 <per_row>
// CHECK-NOT: a_scales
func.func @weight_only(%x: tensor<4x32xbf16>, %w1: tensor<4x48x32xf8E4M3FN>, %w2: tensor<4x32x24xf8E4M3FN>,
                              %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>, %s1: tensor<4x48xf32>, %s2: tensor<4x32xf32>) -> tensor<4x32xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul> weight_scales %s1, %s2 <per_row>
      : (tensor<4x32xbf16>, tensor<4x48x32xf8E4M3FN>, tensor<4x32x24xf8E4M3FN>, tensor<4x2xf32>, tensor<4x2xi32>, tensor<4x48xf32>, tensor<4x32xf32>) -> tensor<4x32xbf16>
  return %y : tensor<4x32xbf16>
}
