// RUN: moe-opt %s -split-input-file -moe-prune-remote-experts="ep-size=4" | FileCheck %s
// RUN: moe-opt %s -split-input-file -moe-prune-remote-experts="ep-size=4 reduce=false" | FileCheck %s --check-prefix=NORED
// RUN: moe-opt %s -split-input-file -moe-prune-remote-experts="ep-size=1" | FileCheck %s --check-prefix=ONE

// Weights become the local slices, an ep_rank argument is appended, align
// keeps only this rank's routes and every buffer is sized for 8 / 4 = 2
// experts; the ranks' outputs are summed over the new 'ep' group.
// CHECK: module attributes {moe.parallel = #moe.parallel<tp = 2, ep = 4>}
// CHECK-LABEL: func.func @layer
// CHECK-SAME: (%[[X:.*]]: tensor<?x32xbf16>, %[[W1:.*]]: tensor<2x48x32xbf16>, %[[W2:.*]]: tensor<2x32x24xbf16>, %[[W:.*]]: tensor<?x2xf32>, %[[IDS:.*]]: tensor<?x2xi32>, %[[RANK:.*]]: index {moe.ep_rank}) -> tensor<?x32xbf16>
// CHECK-DAG: %[[TWO:.*]] = arith.constant 2 : index
// CHECK: %[[BEGIN:.*]] = arith.muli %[[RANK]], %[[TWO]]
// CHECK: %[[S:.*]], %[[B:.*]], %[[C:.*]] = moe.align %[[IDS]] experts 2 block_m 16 range %[[BEGIN]] {total_experts = 8 : i64}
// CHECK: moe.grouped_matmul %[[X]], %[[W1]], %[[S]], %[[B]], %[[C]] rows tokens
// CHECK: moe.grouped_matmul %{{.*}}, %[[W2]], %[[S]], %[[B]], %[[C]] rows routes
// CHECK: %[[Y:.*]] = moe.combine
// CHECK: %[[SUM:.*]] = moe.all_reduce %[[Y]] group "ep"
// CHECK: return %[[SUM]]
// NORED-LABEL: func.func @layer
// NORED-SAME: %{{.*}}: index {moe.ep_rank}
// NORED-NOT: moe.all_reduce
// NORED: return
// ONE-LABEL: func.func @layer
// ONE: moe.experts
module attributes {moe.parallel = #moe.parallel<tp = 2>} {
  func.func @layer(%x: tensor<?x32xbf16>, %w1: tensor<8x48x32xbf16>, %w2: tensor<8x32x24xbf16>,
                   %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>) -> tensor<?x32xbf16> {
    %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
        : (tensor<?x32xbf16>, tensor<8x48x32xbf16>, tensor<8x32x24xbf16>, tensor<?x2xf32>, tensor<?x2xi32>) -> tensor<?x32xbf16>
    return %y : tensor<?x32xbf16>
  }
}

// -----

// A weight that is not an argument (or is read by other ops) is sliced at
// the rank's offset; the tile's block_m is kept.
// CHECK: module attributes {moe.parallel = #moe.parallel<ep = 4>}
// CHECK-LABEL: func.func @sliced_weights
// CHECK-SAME: (%[[X:.*]]: tensor<4x32xbf16>, %[[W1:.*]]: tensor<8x48x32xbf16>, %{{.*}}: tensor<4x2xf32>, %{{.*}}: tensor<4x2xi32>, %[[RANK:.*]]: index {moe.ep_rank}) -> (tensor<4x32xbf16>, tensor<8x48x32xbf16>)
// CHECK: %[[BEGIN:.*]] = arith.muli %[[RANK]]
// CHECK: %[[L1:.*]] = tensor.extract_slice %[[W1]][%[[BEGIN]], 0, 0] [2, 48, 32] [1, 1, 1]
// CHECK: %[[L2:.*]] = tensor.extract_slice %{{.*}}[%[[BEGIN]], 0, 0] [2, 32, 24] [1, 1, 1]
// CHECK: moe.align {{.*}} experts 2 block_m 32 range %[[BEGIN]] {total_experts = 8 : i64} : tensor<4x2xi32> -> tensor<96xi32>, tensor<3xi32>, tensor<i32>
// CHECK: moe.grouped_matmul %[[X]], %[[L1]]
// CHECK: moe.grouped_matmul %{{.*}}, %[[L2]]
func.func @sliced_weights(%x: tensor<4x32xbf16>, %w1: tensor<8x48x32xbf16>, %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>)
    -> (tensor<4x32xbf16>, tensor<8x48x32xbf16>) {
  %w2 = arith.constant dense<0.5> : tensor<8x32x24xbf16>
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul> tile <block_m = 32, block_n = 32>
      : (tensor<4x32xbf16>, tensor<8x48x32xbf16>, tensor<8x32x24xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x32xbf16>
  return %y, %w1 : tensor<4x32xbf16>, tensor<8x48x32xbf16>
}

// -----

// Two layers share their weights: both read the same local slice (localized
// once), and the function's own layout receives the 'ep' group.
// CHECK-LABEL: func.func @shared_weights
// CHECK-SAME: (%[[X:.*]]: tensor<4x32xbf16>, %[[W1:.*]]: tensor<2x48x32xbf16>, %[[W2:.*]]: tensor<2x32x24xbf16>, %{{.*}}: tensor<4x2xf32>, %{{.*}}: tensor<4x2xi32>, %{{.*}}: index {moe.ep_rank})
// CHECK-SAME: moe.parallel = #moe.parallel<tp = 2, ep = 4>
// CHECK-NOT: tensor.extract_slice
// CHECK: moe.grouped_matmul %[[X]], %[[W1]]
// CHECK: moe.grouped_matmul %{{.*}}, %[[W2]]
// CHECK: moe.grouped_matmul %{{.*}}, %[[W1]]
// CHECK: moe.grouped_matmul %{{.*}}, %[[W2]]
func.func @shared_weights(%x: tensor<4x32xbf16>, %w1: tensor<8x48x32xbf16>, %w2: tensor<8x32x24xbf16>,
                          %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>) -> tensor<4x32xbf16>
    attributes {moe.parallel = #moe.parallel<tp = 2>} {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      : (tensor<4x32xbf16>, tensor<8x48x32xbf16>, tensor<8x32x24xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x32xbf16>
  %z = moe.experts %y, %w1, %w2, %w, %ids activation <silu_mul>
      : (tensor<4x32xbf16>, tensor<8x48x32xbf16>, tensor<8x32x24xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x32xbf16>
  return %z : tensor<4x32xbf16>
}

// -----

// A tile asking for route order (block_m 1) keeps aligned blocks of 16 once
// pruned: route-order GEMMs read global ids, the pruned ones take local
// experts.
// CHECK-LABEL: func.func @route_order_tile
// CHECK: moe.align %{{.*}} experts 2 block_m 16 range %{{.*}} {total_experts = 8 : i64}
// CHECK: moe.grouped_matmul {{.*}} block_m 16 tile <block_m = 16, block_n = 64>
// CHECK-NOT: route_ids %
func.func @route_order_tile(%x: tensor<?x32xbf16>, %w1: tensor<8x48x32xbf16>, %w2: tensor<8x32x24xbf16>,
                            %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>) -> tensor<?x32xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul> tile <block_m = 1, block_n = 64>
      : (tensor<?x32xbf16>, tensor<8x48x32xbf16>, tensor<8x32x24xbf16>, tensor<?x2xf32>, tensor<?x2xi32>) -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// -----

// Quantized weights: the scales are localized with their weights (block
// scales [E, ...] and per_tensor's [E] alike), and each GEMM reads its
// rank's slice of both.
// CHECK-LABEL: func.func @quantized
// CHECK-SAME: %[[W1:[a-z0-9]+]]: tensor<2x256x128xf8E4M3FN>, %[[W2:[a-z0-9]+]]: tensor<2x128x128xf8E4M3FN>
// CHECK-SAME: %[[S1:[a-z0-9]+]]: tensor<2x2x1xf32>, %[[S2:[a-z0-9]+]]: tensor<2x1x1xf32>
// CHECK: moe.quantize
// CHECK: moe.grouped_matmul %{{.*}}, %[[W1]], {{.*}} w_scales %[[S1]] <block [128, 128]>
// CHECK: moe.grouped_matmul %{{.*}}, %[[W2]], {{.*}} w_scales %[[S2]] <block [128, 128]>
func.func @quantized(%x: tensor<4x128xbf16>, %w1: tensor<8x256x128xf8E4M3FN>, %w2: tensor<8x128x128xf8E4M3FN>,
                     %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>, %s1: tensor<8x2x1xf32>, %s2: tensor<8x1x1xf32>) -> tensor<4x128xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      weight_scales %s1, %s2 <block [128, 128]> act_quant <block [1, 128]> f8E4M3FN
      : (tensor<4x128xbf16>, tensor<8x256x128xf8E4M3FN>, tensor<8x128x128xf8E4M3FN>, tensor<4x2xf32>, tensor<4x2xi32>, tensor<8x2x1xf32>, tensor<8x1x1xf32>) -> tensor<4x128xbf16>
  return %y : tensor<4x128xbf16>
}

// -----

// Expert biases are localized with their weights: each GEMM adds its rank's
// rows.
// CHECK-LABEL: func.func @biases
// CHECK-SAME: %[[B1:[a-z0-9]+]]: tensor<2x64xbf16>, %[[B2:[a-z0-9]+]]: tensor<2x32xbf16>
// CHECK: moe.grouped_matmul {{.*}} bias %[[B1]]
// CHECK: moe.grouped_matmul {{.*}} bias %[[B2]]
func.func @biases(%x: tensor<4x32xbf16>, %w1: tensor<8x64x32xbf16>, %w2: tensor<8x32x32xbf16>,
                  %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>, %b1: tensor<8x64xbf16>, %b2: tensor<8x32xbf16>) -> tensor<4x32xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <swiglu_oai, layout = interleaved> biases %b1, %b2
      : (tensor<4x32xbf16>, tensor<8x64x32xbf16>, tensor<8x32x32xbf16>, tensor<4x2xf32>, tensor<4x2xi32>, tensor<8x64xbf16>, tensor<8x32xbf16>) -> tensor<4x32xbf16>
  return %y : tensor<4x32xbf16>
}
