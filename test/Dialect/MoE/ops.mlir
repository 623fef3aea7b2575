// RUN: moe-opt %s -split-input-file | moe-opt -split-input-file | FileCheck %s
// RUN: moe-opt %s -split-input-file -mlir-print-op-generic | moe-opt -split-input-file | FileCheck %s

// Round trip of every moe op, with static and dynamic token counts.

// CHECK-LABEL: func.func @gate_softmax
func.func @gate_softmax(%logits: tensor<16x128xbf16>, %dyn: tensor<?x128xf32>)
    -> (tensor<16x4xf32>, tensor<16x4xi32>, tensor<?x4xf32>, tensor<?x4xi32>) {
  // CHECK: %[[W:.*]], %[[IDS:.*]] = moe.gate %{{.*}} top_k 4 softmax renormalize : tensor<16x128xbf16> -> tensor<16x4xf32>, tensor<16x4xi32>
  %w, %ids = moe.gate %logits top_k 4 softmax renormalize
      : tensor<16x128xbf16> -> tensor<16x4xf32>, tensor<16x4xi32>
  // CHECK: moe.gate %{{.*}} top_k 4 softmax : tensor<?x128xf32> -> tensor<?x4xf32>, tensor<?x4xi32>
  %w2, %ids2 = moe.gate %dyn top_k 4 softmax
      : tensor<?x128xf32> -> tensor<?x4xf32>, tensor<?x4xi32>
  return %w, %ids, %w2, %ids2 : tensor<16x4xf32>, tensor<16x4xi32>, tensor<?x4xf32>, tensor<?x4xi32>
}

// -----

// CHECK-LABEL: func.func @gate_grouped_sigmoid
func.func @gate_grouped_sigmoid(%logits: tensor<?x256xf32>, %bias: tensor<256xf32>)
    -> (tensor<?x8xf32>, tensor<?x8xi32>) {
  // CHECK: moe.gate %{{.*}} bias %{{.*}} top_k 8 sigmoid renormalize groups 8 keep 4 scaling 2.500000e+00 : tensor<?x256xf32>, tensor<256xf32> -> tensor<?x8xf32>, tensor<?x8xi32>
  %w, %ids = moe.gate %logits bias %bias top_k 8 sigmoid renormalize groups 8 keep 4 scaling 2.5
      : tensor<?x256xf32>, tensor<256xf32> -> tensor<?x8xf32>, tensor<?x8xi32>
  return %w, %ids : tensor<?x8xf32>, tensor<?x8xi32>
}

// -----

// CHECK-LABEL: func.func @align
func.func @align(%ids: tensor<16x8xi32>, %dyn: tensor<?x8xi32>, %begin: index)
    -> (tensor<2048xi32>, tensor<128xi32>, tensor<i32>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) {
  // 16 * 8 + 128 * 15 = 2048 = R_max, already a multiple of 16.
  // CHECK: %[[SORTED:.*]], %[[BLOCKS:.*]], %[[COUNT:.*]] = moe.align %{{.*}} experts 128 block_m 16 : tensor<16x8xi32> -> tensor<2048xi32>, tensor<128xi32>, tensor<i32>
  %s, %b, %c = moe.align %ids experts 128 block_m 16
      : tensor<16x8xi32> -> tensor<2048xi32>, tensor<128xi32>, tensor<i32>
  // CHECK: moe.align %{{.*}} experts 16 block_m 32 range %{{.*}} : tensor<?x8xi32> -> tensor<?xi32>, tensor<?xi32>, tensor<i32>
  %s2, %b2, %c2 = moe.align %dyn experts 16 block_m 32 range %begin
      : tensor<?x8xi32> -> tensor<?xi32>, tensor<?xi32>, tensor<i32>
  return %s, %b, %c, %s2, %b2, %c2 : tensor<2048xi32>, tensor<128xi32>, tensor<i32>, tensor<?xi32>, tensor<?xi32>, tensor<i32>
}

// -----

// The worked example of vLLM's moe_align_block_size: T = 4, k = 3, E = 4,
// block_m 16: 12 + 4 * 15 = 72 -> R_max 80, 5 blocks.
// CHECK-LABEL: func.func @align_small
func.func @align_small(%ids: tensor<4x3xi32>) -> tensor<80xi32> {
  // CHECK: moe.align %{{.*}} experts 4 block_m 16 : tensor<4x3xi32> -> tensor<80xi32>, tensor<5xi32>, tensor<i32>
  %s, %b, %c = moe.align %ids experts 4 block_m 16
      : tensor<4x3xi32> -> tensor<80xi32>, tensor<5xi32>, tensor<i32>
  return %s : tensor<80xi32>
}

// -----

// CHECK-LABEL: func.func @experts
func.func @experts(%x: tensor<?x2048xbf16>, %w1: tensor<128x1536x2048xbf16>,
                   %w2: tensor<128x2048x768xbf16>, %w: tensor<?x8xf32>,
                   %ids: tensor<?x8xi32>, %xs: tensor<4x2880xf16>,
                   %w1s: tensor<128x5760x2880xf16>, %w2s: tensor<128x2880x2880xf16>,
                   %ws: tensor<4x4xf32>, %idss: tensor<4x4xi32>)
    -> (tensor<?x2048xbf16>, tensor<4x2880xf16>) {
  // CHECK: moe.experts %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} activation <silu_mul> : (tensor<?x2048xbf16>, tensor<128x1536x2048xbf16>, tensor<128x2048x768xbf16>, tensor<?x8xf32>, tensor<?x8xi32>) -> tensor<?x2048xbf16>
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      : (tensor<?x2048xbf16>, tensor<128x1536x2048xbf16>, tensor<128x2048x768xbf16>,
         tensor<?x8xf32>, tensor<?x8xi32>) -> tensor<?x2048xbf16>
  // CHECK: moe.experts {{.*}} activation <swiglu_oai, layout = interleaved, alpha = 1.702, beta = 1.0, limit = 7.0> tile <block_m = 16, block_n = 64>
  %ys = moe.experts %xs, %w1s, %w2s, %ws, %idss
      activation <swiglu_oai, layout = interleaved> tile <block_m = 16, block_n = 64>
      : (tensor<4x2880xf16>, tensor<128x5760x2880xf16>, tensor<128x2880x2880xf16>,
         tensor<4x4xf32>, tensor<4x4xi32>) -> tensor<4x2880xf16>
  return %y, %ys : tensor<?x2048xbf16>, tensor<4x2880xf16>
}

// -----

// gpt-oss's experts: a bias row per expert after each GEMM.
// CHECK-LABEL: func.func @experts_biases
func.func @experts_biases(%x: tensor<?x64xbf16>, %w1: tensor<8x64x64xbf16>, %w2: tensor<8x64x32xbf16>,
                          %w: tensor<?x4xf32>, %ids: tensor<?x4xi32>, %b1: tensor<8x64xbf16>,
                          %b2: tensor<8x64xf32>, %a: tensor<?x32xbf16>) -> (tensor<?x64xbf16>, tensor<?x64xbf16>) {
  // CHECK: moe.experts {{.*}} activation <swiglu_oai, layout = interleaved, alpha = 1.702, beta = 1.0, limit = 7.0> biases %{{.*}}, %{{.*}} : (tensor<?x64xbf16>, tensor<8x64x64xbf16>, tensor<8x64x32xbf16>, tensor<?x4xf32>, tensor<?x4xi32>, tensor<8x64xbf16>, tensor<8x64xf32>) -> tensor<?x64xbf16>
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <swiglu_oai, layout = interleaved> biases %b1, %b2
      : (tensor<?x64xbf16>, tensor<8x64x64xbf16>, tensor<8x64x32xbf16>, tensor<?x4xf32>, tensor<?x4xi32>,
         tensor<8x64xbf16>, tensor<8x64xf32>) -> tensor<?x64xbf16>
  // CHECK: moe.grouped_matmul {{.*}} rows routes top_k 4 block_m 1 weights %{{.*}} bias %{{.*}} sum_routes : (tensor<?x32xbf16>, tensor<8x64x32xbf16>, tensor<?x4xi32>, tensor<?x4xf32>, tensor<8x64xf32>) -> tensor<?x64xbf16>
  %o = moe.grouped_matmul %a, %w2 route_ids %ids rows routes top_k 4 block_m 1 weights %w bias %b2 sum_routes
      : (tensor<?x32xbf16>, tensor<8x64x32xbf16>, tensor<?x4xi32>, tensor<?x4xf32>, tensor<8x64xf32>) -> tensor<?x64xbf16>
  return %y, %o : tensor<?x64xbf16>, tensor<?x64xbf16>
}

// -----

// CHECK-LABEL: func.func @grouped_matmul
func.func @grouped_matmul(%x: tensor<16x2048xbf16>, %w1: tensor<128x1536x2048xbf16>,
                          %w2: tensor<128x2048x768xbf16>, %sorted: tensor<2048xi32>,
                          %blocks: tensor<128xi32>, %count: tensor<i32>,
                          %weights: tensor<16x8xf32>) -> tensor<128x2048xbf16> {
  // CHECK: %[[H:.*]] = moe.grouped_matmul %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} rows tokens top_k 8 block_m 16 activation <silu_mul> tile <block_m = 16, block_n = 128>
  %h = moe.grouped_matmul %x, %w1, %sorted, %blocks, %count rows tokens top_k 8 block_m 16
      activation <silu_mul> tile <block_m = 16, block_n = 128>
      : (tensor<16x2048xbf16>, tensor<128x1536x2048xbf16>, tensor<2048xi32>,
         tensor<128xi32>, tensor<i32>) -> tensor<128x768xbf16>
  // CHECK: moe.grouped_matmul %[[H]], {{.*}} rows routes top_k 8 block_m 16 weights %{{.*}} : (tensor<128x768xbf16>, tensor<128x2048x768xbf16>, tensor<2048xi32>, tensor<128xi32>, tensor<i32>, tensor<16x8xf32>) -> tensor<128x2048xbf16>
  %o = moe.grouped_matmul %h, %w2, %sorted, %blocks, %count rows routes top_k 8 block_m 16
      weights %weights
      : (tensor<128x768xbf16>, tensor<128x2048x768xbf16>, tensor<2048xi32>,
         tensor<128xi32>, tensor<i32>, tensor<16x8xf32>) -> tensor<128x2048xbf16>
  return %o : tensor<128x2048xbf16>
}

// -----

// CHECK-LABEL: func.func @grouped_matmul_dynamic
func.func @grouped_matmul_dynamic(%x: tensor<?x2048xbf16>, %w1: tensor<16x1536x2048xbf16>,
                                  %sorted: tensor<?xi32>, %blocks: tensor<?xi32>,
                                  %count: tensor<i32>) -> tensor<?x1536xbf16> {
  // CHECK: moe.grouped_matmul {{.*}} rows tokens top_k 8 block_m 16 : (tensor<?x2048xbf16>, tensor<16x1536x2048xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x1536xbf16>
  %h = moe.grouped_matmul %x, %w1, %sorted, %blocks, %count rows tokens top_k 8 block_m 16
      : (tensor<?x2048xbf16>, tensor<16x1536x2048xbf16>, tensor<?xi32>, tensor<?xi32>,
         tensor<i32>) -> tensor<?x1536xbf16>
  return %h : tensor<?x1536xbf16>
}

// -----

// CHECK-LABEL: func.func @activation
func.func @activation(%a: tensor<?x5760xbf16>, %b: tensor<8x4096xf32>)
    -> (tensor<?x2880xbf16>, tensor<8x2048xf32>, tensor<8x2048xf32>) {
  // CHECK: moe.activation %{{.*}} <swiglu_oai, layout = interleaved, alpha = 1.5, beta = 0.5, limit = 10.0> : tensor<?x5760xbf16> -> tensor<?x2880xbf16>
  %x = moe.activation %a <swiglu_oai, limit = 10.0, beta = 0.5, alpha = 1.5, layout = interleaved>
      : tensor<?x5760xbf16> -> tensor<?x2880xbf16>
  // CHECK: moe.activation %{{.*}} <gelu_mul> : tensor<8x4096xf32> -> tensor<8x2048xf32>
  %y = moe.activation %b <gelu_mul, layout = split> : tensor<8x4096xf32> -> tensor<8x2048xf32>
  // CHECK: moe.activation %{{.*}} <silu_mul, layout = interleaved> : tensor<8x4096xf32> -> tensor<8x2048xf32>
  %z = moe.activation %b <silu_mul, layout = interleaved> : tensor<8x4096xf32> -> tensor<8x2048xf32>
  return %x, %y, %z : tensor<?x2880xbf16>, tensor<8x2048xf32>, tensor<8x2048xf32>
}

// -----

// CHECK-LABEL: func.func @combine
func.func @combine(%routes: tensor<128x2048xbf16>, %scale: tensor<16x8xf32>,
                   %droutes: tensor<?x2048xf16>, %dscale: tensor<?x8xf32>)
    -> (tensor<16x2048xbf16>, tensor<?x2048xf16>) {
  // CHECK: moe.combine %{{.*}}, %{{.*}} : tensor<128x2048xbf16>, tensor<16x8xf32> -> tensor<16x2048xbf16>
  %y = moe.combine %routes, %scale : tensor<128x2048xbf16>, tensor<16x8xf32> -> tensor<16x2048xbf16>
  // CHECK: moe.combine %{{.*}}, %{{.*}} : tensor<?x2048xf16>, tensor<?x8xf32> -> tensor<?x2048xf16>
  %z = moe.combine %droutes, %dscale : tensor<?x2048xf16>, tensor<?x8xf32> -> tensor<?x2048xf16>
  return %y, %z : tensor<16x2048xbf16>, tensor<?x2048xf16>
}

// -----

// CHECK-LABEL: func.func @combine_local_routes
func.func @combine_local_routes(%routes: tensor<?x2048xbf16>, %scale: tensor<?x8xf32>,
                                %ids: tensor<?x8xi32>, %begin: index)
    -> (tensor<?x2048xbf16>, tensor<?x2048xbf16>) {
  // CHECK: moe.combine %{{.*}}, %{{.*}} ids %{{.*}} experts 128 : tensor<?x2048xbf16>, tensor<?x8xf32>, tensor<?x8xi32> -> tensor<?x2048xbf16>
  %y = moe.combine %routes, %scale ids %ids experts 128 : tensor<?x2048xbf16>, tensor<?x8xf32>, tensor<?x8xi32> -> tensor<?x2048xbf16>
  // CHECK: moe.combine %{{.*}}, %{{.*}} ids %{{.*}} experts 32 range %{{.*}} : tensor<?x2048xbf16>, tensor<?x8xf32>, tensor<?x8xi32> -> tensor<?x2048xbf16>
  %z = moe.combine %routes, %scale ids %ids experts 32 range %begin : tensor<?x2048xbf16>, tensor<?x8xf32>, tensor<?x8xi32> -> tensor<?x2048xbf16>
  return %y, %z : tensor<?x2048xbf16>, tensor<?x2048xbf16>
}

// -----

// CHECK-LABEL: func.func @norms
func.func @norms(%x: tensor<?x4096xbf16>, %r: tensor<?x4096xbf16>, %w: tensor<4096xbf16>,
                 %s: tensor<2x8x64xf32>, %sw: tensor<64xf32>)
    -> (tensor<?x4096xbf16>, tensor<?x4096xbf16>, tensor<?x4096xbf16>, tensor<2x8x64xf32>) {
  // CHECK: moe.rms_norm %{{.*}}, %{{.*}} eps 9.99999997E-7 offset 1.000000e+00 : tensor<?x4096xbf16>, tensor<4096xbf16>
  %y = moe.rms_norm %x, %w eps 1.0e-06 offset 1.0 : tensor<?x4096xbf16>, tensor<4096xbf16>
  // CHECK: %[[NORMED:.*]], %[[SUM:.*]] = moe.add_rms_norm %{{.*}}, %{{.*}}, %{{.*}} eps 9.99999974E-6 : tensor<?x4096xbf16>, tensor<4096xbf16>
  %n, %sum = moe.add_rms_norm %x, %r, %w eps 1.0e-05 : tensor<?x4096xbf16>, tensor<4096xbf16>
  // CHECK: moe.rms_norm %{{.*}}, %{{.*}} eps 9.99999974E-6 : tensor<2x8x64xf32>, tensor<64xf32>
  %z = moe.rms_norm %s, %sw eps 1.0e-05 offset 0.0 : tensor<2x8x64xf32>, tensor<64xf32>
  return %y, %n, %sum, %z : tensor<?x4096xbf16>, tensor<?x4096xbf16>, tensor<?x4096xbf16>, tensor<2x8x64xf32>
}

// -----

// CHECK: module attributes {moe.parallel = #moe.parallel<tp = 4, ep = 8>}
module attributes {moe.parallel = #moe.parallel<tp = 4, ep = 8>} {
  // CHECK-LABEL: func.func @collectives
  func.func @collectives(%x: tensor<?x4096xbf16>, %part: tensor<16x1024xf32>,
                         %rows: tensor<?x7168xbf16>, %send: tensor<8xi32>,
                         %res: tensor<?x4096xbf16>, %w: tensor<4096xbf16>) {
    // CHECK: moe.all_reduce %{{.*}} group "tp" : tensor<?x4096xbf16>
    %s = moe.all_reduce %x group "tp" : tensor<?x4096xbf16>
    // CHECK: moe.all_gather %{{.*}} group "tp" dim 1 : tensor<16x1024xf32> -> tensor<16x4096xf32>
    %g = moe.all_gather %part group "tp" dim 1 : tensor<16x1024xf32> -> tensor<16x4096xf32>
    // CHECK: moe.reduce_scatter %{{.*}} group "tp" dim 1 : tensor<?x4096xbf16> -> tensor<?x1024xbf16>
    %r = moe.reduce_scatter %x group "tp" dim 1 : tensor<?x4096xbf16> -> tensor<?x1024xbf16>
    // CHECK: moe.all_to_all %{{.*}}, %{{.*}} group "ep" : tensor<?x7168xbf16>, tensor<8xi32> -> tensor<?x7168xbf16>, tensor<8xi32>
    %a, %c = moe.all_to_all %rows, %send group "ep"
        : tensor<?x7168xbf16>, tensor<8xi32> -> tensor<?x7168xbf16>, tensor<8xi32>
    // CHECK: moe.all_reduce_add_rms_norm %{{.*}}, %{{.*}}, %{{.*}} group "tp" eps 9.99999997E-7 offset 1.000000e+00 : tensor<?x4096xbf16>, tensor<4096xbf16>
    %n, %o = moe.all_reduce_add_rms_norm %x, %res, %w group "tp" eps 1.0e-06 offset 1.0
        : tensor<?x4096xbf16>, tensor<4096xbf16>
    return
  }
}

// -----

// A layout on a function serves the collectives inside it.
// CHECK-LABEL: func.func @layout_on_function
// CHECK-SAME: moe.parallel = #moe.parallel<ep = 2>
func.func @layout_on_function(%x: tensor<4x8xf16>) -> tensor<4x8xf16>
    attributes {moe.parallel = #moe.parallel<ep = 2>} {
  // CHECK: moe.all_reduce %{{.*}} group "ep" : tensor<4x8xf16>
  %s = moe.all_reduce %x group "ep" : tensor<4x8xf16>
  return %s : tensor<4x8xf16>
}

// -----

// CHECK-LABEL: func.func @check_size
// CHECK-SAME: (%[[FOUND:.*]]: index, %[[EXPECTED:.*]]: index)
func.func @check_size(%found: index, %expected: index) {
  // CHECK: moe.check_size %[[FOUND]], %[[EXPECTED]] for "moe.experts" "dim 0 of 'ids' must equal dim 0 of 'x' (T)"
  moe.check_size %found, %expected for "moe.experts" "dim 0 of 'ids' must equal dim 0 of 'x' (T)"
  return
}

// -----

// CHECK-LABEL: func.func @planned_gemm
func.func @planned_gemm(%x: tensor<?x64xbf16>, %w: tensor<8x32x64xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x32xbf16> {
  // CHECK: moe.grouped_matmul {{.*}} block_m 16 plan <block_n = 32, waves_n = 4, slices = 1, group = 1, row_group = 1, loads = async_copy, stages = 3> :
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 2 block_m 16 plan <block_n = 32, waves_n = 4, slices = 1, group = 1, row_group = 1, loads = async_copy, stages = 3> : (tensor<?x64xbf16>, tensor<8x32x64xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x32xbf16>
  return %o : tensor<?x32xbf16>
}

// -----

// Route order: the GEMM reads the routes' ids, block_m 1.
// CHECK-LABEL: func.func @grouped_matmul_route_order
func.func @grouped_matmul_route_order(%x: tensor<?x2048xbf16>, %w1: tensor<128x1536x2048xbf16>,
                                      %ids: tensor<?x8xi32>) -> tensor<?x768xbf16> {
  // CHECK: moe.grouped_matmul %{{.*}}, %{{.*}} route_ids %{{.*}} rows tokens top_k 8 block_m 1 activation <silu_mul> tile <block_m = 1, block_n = 64> : (tensor<?x2048xbf16>, tensor<128x1536x2048xbf16>, tensor<?x8xi32>) -> tensor<?x768xbf16>
  %h = moe.grouped_matmul %x, %w1 route_ids %ids rows tokens top_k 8 block_m 1
      activation <silu_mul> tile <block_m = 1, block_n = 64>
      : (tensor<?x2048xbf16>, tensor<128x1536x2048xbf16>, tensor<?x8xi32>) -> tensor<?x768xbf16>
  return %h : tensor<?x768xbf16>
}

// -----

// Route order summing each token's routes: [T * k, K] in, [T, N] out.
// CHECK-LABEL: func.func @grouped_matmul_sum_routes
func.func @grouped_matmul_sum_routes(%a: tensor<?x768xbf16>, %w2: tensor<128x2048x768xbf16>,
                                     %ids: tensor<?x8xi32>, %rw: tensor<?x8xf32>) -> tensor<?x2048xbf16> {
  // CHECK: moe.grouped_matmul %{{.*}}, %{{.*}} route_ids %{{.*}} rows routes top_k 8 block_m 1 weights %{{.*}} sum_routes : (tensor<?x768xbf16>, tensor<128x2048x768xbf16>, tensor<?x8xi32>, tensor<?x8xf32>) -> tensor<?x2048xbf16>
  %y = moe.grouped_matmul %a, %w2 route_ids %ids rows routes top_k 8 block_m 1 weights %rw sum_routes
      : (tensor<?x768xbf16>, tensor<128x2048x768xbf16>, tensor<?x8xi32>, tensor<?x8xf32>) -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}

// -----

// Dynamic activation quantization: fp8 per token group (DeepSeek-V3), MXFP4
// and MXFP8 (f8E8M0FNU scales), per token, per tensor.
// CHECK-LABEL: func.func @quantize
func.func @quantize(%x: tensor<?x7168xbf16>, %h: tensor<4x2880xbf16>) {
  // CHECK: moe.quantize %{{.*}} <block [1, 128]> : tensor<?x7168xbf16> -> (tensor<?x7168xf8E4M3FN>, tensor<?x56xf32>)
  %q, %s = moe.quantize %x <block [1, 128]> : tensor<?x7168xbf16> -> (tensor<?x7168xf8E4M3FN>, tensor<?x56xf32>)
  // CHECK: moe.quantize %{{.*}} <mx> : tensor<4x2880xbf16> -> (tensor<4x2880xf4E2M1FN>, tensor<4x90xf8E8M0FNU>)
  %q4, %s4 = moe.quantize %h <mx> : tensor<4x2880xbf16> -> (tensor<4x2880xf4E2M1FN>, tensor<4x90xf8E8M0FNU>)
  // CHECK: moe.quantize %{{.*}} <mx> : tensor<4x2880xbf16> -> (tensor<4x2880xf8E4M3FNUZ>, tensor<4x90xf8E8M0FNU>)
  %q8, %s8 = moe.quantize %h <mx> : tensor<4x2880xbf16> -> (tensor<4x2880xf8E4M3FNUZ>, tensor<4x90xf8E8M0FNU>)
  // CHECK: moe.quantize %{{.*}} <per_row> : tensor<4x2880xbf16> -> (tensor<4x2880xf8E4M3FN>, tensor<4xf32>)
  %qr, %sr = moe.quantize %h <per_row> : tensor<4x2880xbf16> -> (tensor<4x2880xf8E4M3FN>, tensor<4xf32>)
  // CHECK: moe.quantize %{{.*}} <per_tensor> : tensor<4x2880xbf16> -> (tensor<4x2880xf8E4M3FN>, tensor<f32>)
  %qt, %st = moe.quantize %h <per_tensor> : tensor<4x2880xbf16> -> (tensor<4x2880xf8E4M3FN>, tensor<f32>)
  return
}

// -----

// Weights: 128x128 blocks with a partial last block (ceil), MXFP4, per channel.
// CHECK-LABEL: func.func @dequantize
func.func @dequantize(%q: tensor<8x300x200xf8E4M3FN>, %s: tensor<8x3x2xf32>,
                      %q4: tensor<8x64x96xf4E2M1FN>, %s4: tensor<8x64x3xf8E8M0FNU>,
                      %qc: tensor<8x64x96xf8E4M3FNUZ>, %sc: tensor<8x64xf32>) {
  // CHECK: moe.dequantize %{{.*}}, %{{.*}} <block [128, 128]> : (tensor<8x300x200xf8E4M3FN>, tensor<8x3x2xf32>) -> tensor<8x300x200xbf16>
  %w = moe.dequantize %q, %s <block [128, 128]> : (tensor<8x300x200xf8E4M3FN>, tensor<8x3x2xf32>) -> tensor<8x300x200xbf16>
  // CHECK: moe.dequantize %{{.*}}, %{{.*}} <mx> : (tensor<8x64x96xf4E2M1FN>, tensor<8x64x3xf8E8M0FNU>) -> tensor<8x64x96xf32>
  %w4 = moe.dequantize %q4, %s4 <mx> : (tensor<8x64x96xf4E2M1FN>, tensor<8x64x3xf8E8M0FNU>) -> tensor<8x64x96xf32>
  // CHECK: moe.dequantize %{{.*}}, %{{.*}} <per_row> : (tensor<8x64x96xf8E4M3FNUZ>, tensor<8x64xf32>) -> tensor<8x64x96xf16>
  %wc = moe.dequantize %qc, %sc <per_row> : (tensor<8x64x96xf8E4M3FNUZ>, tensor<8x64xf32>) -> tensor<8x64x96xf16>
  return
}

// -----

// Quantized experts: fp8 block-scaled weights with fp8 activations per token
// group (DeepSeek-V3), and MXFP4 weights with bf16 activations (gpt-oss).
// CHECK-LABEL: func.func @experts_quantized
func.func @experts_quantized(%x: tensor<?x256xbf16>, %w1: tensor<8x256x256xf8E4M3FN>, %w2: tensor<8x256x128xf8E4M3FN>,
                             %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>, %s1: tensor<8x2x2xf32>, %s2: tensor<8x2x1xf32>,
                             %f1: tensor<8x256x256xf4E2M1FN>, %f2: tensor<8x256x128xf4E2M1FN>,
                             %m1: tensor<8x256x8xf8E8M0FNU>, %m2: tensor<8x256x4xf8E8M0FNU>) {
  // CHECK: moe.experts %{{.*}} activation <silu_mul> weight_scales %{{.*}}, %{{.*}} <block [128, 128]> act_quant <block [1, 128]> f8E4M3FN : (tensor<?x256xbf16>, tensor<8x256x256xf8E4M3FN>, tensor<8x256x128xf8E4M3FN>, tensor<?x2xf32>, tensor<?x2xi32>, tensor<8x2x2xf32>, tensor<8x2x1xf32>) -> tensor<?x256xbf16>
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      weight_scales %s1, %s2 <block [128, 128]> act_quant <block [1, 128]> f8E4M3FN
      : (tensor<?x256xbf16>, tensor<8x256x256xf8E4M3FN>, tensor<8x256x128xf8E4M3FN>, tensor<?x2xf32>, tensor<?x2xi32>,
         tensor<8x2x2xf32>, tensor<8x2x1xf32>) -> tensor<?x256xbf16>
  // CHECK: moe.experts %{{.*}} activation <silu_mul> weight_scales %{{.*}}, %{{.*}} <mx> : (tensor<?x256xbf16>, tensor<8x256x256xf4E2M1FN>
  %z = moe.experts %x, %f1, %f2, %w, %ids activation <silu_mul> weight_scales %m1, %m2 <mx>
      : (tensor<?x256xbf16>, tensor<8x256x256xf4E2M1FN>, tensor<8x256x128xf4E2M1FN>, tensor<?x2xf32>, tensor<?x2xi32>,
         tensor<8x256x8xf8E8M0FNU>, tensor<8x256x4xf8E8M0FNU>) -> tensor<?x256xbf16>
  return
}

// -----

// CHECK-LABEL: func.func @grouped_matmul_quantized
func.func @grouped_matmul_quantized(%xq: tensor<?x7168xf8E4M3FN>, %xs: tensor<?x56xf32>,
                                    %w1: tensor<256x4096x7168xf8E4M3FN>, %w1s: tensor<256x32x56xf32>,
                                    %ids: tensor<?x8xi32>, %x: tensor<?x2880xbf16>,
                                    %f: tensor<128x5760x2880xf4E2M1FN>, %fs: tensor<128x5760x90xf8E8M0FNU>) {
  // CHECK: moe.grouped_matmul %{{.*}}, %{{.*}} route_ids %{{.*}} rows tokens top_k 8 block_m 1 activation <silu_mul> a_scales %{{.*}} <block [1, 128]> w_scales %{{.*}} <block [128, 128]> out_quant <block [1, 128]> from bf16 : (tensor<?x7168xf8E4M3FN>, tensor<256x4096x7168xf8E4M3FN>, tensor<?x8xi32>, tensor<?x56xf32>, tensor<256x32x56xf32>) -> (tensor<?x2048xf8E4M3FN>, tensor<?x16xf32>)
  %q, %qs = moe.grouped_matmul %xq, %w1 route_ids %ids rows tokens top_k 8
      block_m 1 activation <silu_mul>
      a_scales %xs <block [1, 128]> w_scales %w1s <block [128, 128]>
      out_quant <block [1, 128]> from bf16
      : (tensor<?x7168xf8E4M3FN>, tensor<256x4096x7168xf8E4M3FN>,
         tensor<?x8xi32>, tensor<?x56xf32>, tensor<256x32x56xf32>)
      -> (tensor<?x2048xf8E4M3FN>, tensor<?x16xf32>)
  // CHECK: moe.grouped_matmul %{{.*}}, %{{.*}} route_ids %{{.*}} rows tokens top_k 8 block_m 1 w_scales %{{.*}} <mx> : (tensor<?x2880xbf16>, tensor<128x5760x2880xf4E2M1FN>, tensor<?x8xi32>, tensor<128x5760x90xf8E8M0FNU>) -> tensor<?x5760xbf16>
  %h = moe.grouped_matmul %x, %f route_ids %ids rows tokens top_k 8 block_m 1
      w_scales %fs <mx>
      : (tensor<?x2880xbf16>, tensor<128x5760x2880xf4E2M1FN>, tensor<?x8xi32>,
         tensor<128x5760x90xf8E8M0FNU>) -> tensor<?x5760xbf16>
  return
}
