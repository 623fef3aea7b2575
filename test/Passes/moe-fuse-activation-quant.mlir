// RUN: moe-opt %s -split-input-file -moe-fuse-activation-quant | FileCheck %s

// GEMM1 with its SwiGLU epilogue, then MXFP8 rows for GEMM2: one GEMM that
// returns the codes and their E8M0 scales, rounded to bf16 first.
// CHECK-LABEL: func.func @fuse_mx
// CHECK: %[[Q:.*]], %[[S:.*]] = moe.grouped_matmul {{.*}} activation <silu_mul> out_quant <mx> from bf16 tile <block_m = 16, block_n = 64> : {{.*}} -> (tensor<?x64xf8E4M3FN>, tensor<?x2xf8E8M0FNU>)
// CHECK-NOT: plan
// CHECK-NOT: moe.quantize
// CHECK: return %[[Q]], %[[S]]
func.func @fuse_mx(%a: tensor<?x96xbf16>, %w: tensor<4x128x96xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>)
    -> (tensor<?x64xf8E4M3FN>, tensor<?x2xf8E8M0FNU>) {
  %h = moe.grouped_matmul %a, %w, %s, %b, %c rows tokens top_k 2 block_m 16 activation <silu_mul>
      tile <block_m = 16, block_n = 64>
      plan <block_n = 64, waves_n = 4, slices = 1, group = 2, row_group = 1, loads = shared_tiles, stages = 3>
      : (tensor<?x96xbf16>, tensor<4x128x96xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x64xbf16>
  %q, %qs = moe.quantize %h <mx> : tensor<?x64xbf16> -> (tensor<?x64xf8E4M3FN>, tensor<?x2xf8E8M0FNU>)
  return %q, %qs : tensor<?x64xf8E4M3FN>, tensor<?x2xf8E8M0FNU>
}

// -----

// A quantized GEMM (a8w8) with an f32 result: rounded to f32, per token group.
// CHECK-LABEL: func.func @fuse_quantized_gemm
// CHECK: moe.grouped_matmul {{.*}} a_scales %{{.*}} <block [1, 128]> w_scales %{{.*}} <block [128, 128]> out_quant <block [1, 128]> from f32 : {{.*}} -> (tensor<8x128xf8E4M3FN>, tensor<8x1xf32>)
// CHECK-NOT: moe.quantize
func.func @fuse_quantized_gemm(%a: tensor<8x128xf8E4M3FN>, %as: tensor<8x1xf32>, %w: tensor<4x128x128xf8E4M3FN>,
                               %ws: tensor<4x1x1xf32>, %ids: tensor<4x2xi32>)
    -> (tensor<8x128xf8E4M3FN>, tensor<8x1xf32>) {
  %h = moe.grouped_matmul %a, %w route_ids %ids rows routes top_k 2 block_m 1
      a_scales %as <block [1, 128]> w_scales %ws <block [128, 128]>
      : (tensor<8x128xf8E4M3FN>, tensor<4x128x128xf8E4M3FN>, tensor<4x2xi32>, tensor<8x1xf32>, tensor<4x1x1xf32>) -> tensor<8x128xf32>
  %q, %qs = moe.quantize %h <block [1, 128]> : tensor<8x128xf32> -> (tensor<8x128xf8E4M3FN>, tensor<8x1xf32>)
  return %q, %qs : tensor<8x128xf8E4M3FN>, tensor<8x1xf32>
}

// -----

// One scale for the whole tensor needs every row first.
// CHECK-LABEL: func.func @negative_per_tensor
// CHECK: moe.grouped_matmul {{.*}} -> tensor<8x64xbf16>
// CHECK: moe.quantize
func.func @negative_per_tensor(%a: tensor<8x64xbf16>, %w: tensor<4x64x64xbf16>, %ids: tensor<4x2xi32>)
    -> (tensor<8x64xf8E4M3FN>, tensor<f32>) {
  %h = moe.grouped_matmul %a, %w route_ids %ids rows routes top_k 2 block_m 1
      : (tensor<8x64xbf16>, tensor<4x64x64xbf16>, tensor<4x2xi32>) -> tensor<8x64xbf16>
  %q, %qs = moe.quantize %h <per_tensor> : tensor<8x64xbf16> -> (tensor<8x64xf8E4M3FN>, tensor<f32>)
  return %q, %qs : tensor<8x64xf8E4M3FN>, tensor<f32>
}

// -----

// The unquantized rows are also returned.
// CHECK-LABEL: func.func @negative_other_users
// CHECK: moe.grouped_matmul {{.*}} -> tensor<8x64xbf16>
// CHECK: moe.quantize
func.func @negative_other_users(%a: tensor<8x64xbf16>, %w: tensor<4x64x64xbf16>, %ids: tensor<4x2xi32>)
    -> (tensor<8x64xf8E4M3FN>, tensor<8x2xf8E8M0FNU>, tensor<8x64xbf16>) {
  %h = moe.grouped_matmul %a, %w route_ids %ids rows routes top_k 2 block_m 1
      : (tensor<8x64xbf16>, tensor<4x64x64xbf16>, tensor<4x2xi32>) -> tensor<8x64xbf16>
  %q, %qs = moe.quantize %h <mx> : tensor<8x64xbf16> -> (tensor<8x64xf8E4M3FN>, tensor<8x2xf8E8M0FNU>)
  return %q, %qs, %h : tensor<8x64xf8E4M3FN>, tensor<8x2xf8E8M0FNU>, tensor<8x64xbf16>
}

// -----

// Summed routes are tokens' rows, which the next GEMM does not read.
// CHECK-LABEL: func.func @negative_sum_routes
// CHECK: moe.grouped_matmul {{.*}} sum_routes
// CHECK: moe.quantize
func.func @negative_sum_routes(%a: tensor<8x64xbf16>, %w: tensor<4x64x64xbf16>, %ids: tensor<4x2xi32>, %wt: tensor<4x2xf32>)
    -> (tensor<4x64xf8E4M3FN>, tensor<4x2xf8E8M0FNU>) {
  %h = moe.grouped_matmul %a, %w route_ids %ids rows routes top_k 2 block_m 1 weights %wt sum_routes
      : (tensor<8x64xbf16>, tensor<4x64x64xbf16>, tensor<4x2xi32>, tensor<4x2xf32>) -> tensor<4x64xbf16>
  %q, %qs = moe.quantize %h <mx> : tensor<4x64xbf16> -> (tensor<4x64xf8E4M3FN>, tensor<4x2xf8E8M0FNU>)
  return %q, %qs : tensor<4x64xf8E4M3FN>, tensor<4x2xf8E8M0FNU>
}
