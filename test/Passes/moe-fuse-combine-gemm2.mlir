// RUN: moe-opt %s -split-input-file -moe-fuse-combine-gemm2 | FileCheck %s
// RUN: moe-opt %s -split-input-file -moe-fuse-combine-gemm2=target=sm_90 \
// RUN:   | FileCheck %s --check-prefix=SM90
// RUN: moe-opt %s -split-input-file -moe-fuse-combine-gemm2=target=gfx950 \
// RUN:   | FileCheck %s --check-prefix=GFX950
// RUN: not moe-opt %s -split-input-file -moe-fuse-combine-gemm2=target=sm_80 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD
// BAD: unknown --moe-fuse-combine-gemm2 target 'sm_80'; expected cpu or one of: gfx942, gfx950, sm_90

// CHECK-LABEL: func.func @fuse_with_ids
// CHECK-SAME: (%[[A:.*]]: tensor<8x64xbf16>, %[[W2:.*]]: tensor<32x128x64xbf16>, %[[IDS:.*]]: tensor<1x8xi32>, %[[WT:.*]]: tensor<1x8xf32>)
// CHECK: %[[Y:.*]] = moe.grouped_matmul %[[A]], %[[W2]] route_ids %[[IDS]] rows routes top_k 8 block_m 1 weights %[[WT]] sum_routes tile <block_m = 1, block_n = 64> : {{.*}} -> tensor<1x128xbf16>
// CHECK-NOT: moe.combine
// CHECK: return %[[Y]]
func.func @fuse_with_ids(%a: tensor<8x64xbf16>, %w2: tensor<32x128x64xbf16>, %ids: tensor<1x8xi32>,
                         %wt: tensor<1x8xf32>) -> tensor<1x128xbf16> {
  %r = moe.grouped_matmul %a, %w2 route_ids %ids rows routes top_k 8 block_m 1
      tile <block_m = 1, block_n = 64>
      : (tensor<8x64xbf16>, tensor<32x128x64xbf16>, tensor<1x8xi32>) -> tensor<8x128xbf16>
  %y = moe.combine %r, %wt ids %ids experts 32
      : tensor<8x128xbf16>, tensor<1x8xf32>, tensor<1x8xi32> -> tensor<1x128xbf16>
  return %y : tensor<1x128xbf16>
}

// -----

// A combine without ids reads every route; route order leaves the rows of
// bad ids zero, which the sum skips the same way. Dynamic T.
// CHECK-LABEL: func.func @fuse_without_ids_dynamic_tokens
// CHECK: moe.grouped_matmul {{.*}} route_ids %{{.*}} rows routes top_k 4 block_m 1 weights %{{.*}} sum_routes : {{.*}} -> tensor<?x128xbf16>
// CHECK-NOT: moe.combine
func.func @fuse_without_ids_dynamic_tokens(%a: tensor<?x64xbf16>, %w2: tensor<32x128x64xbf16>, %ids: tensor<?x4xi32>,
                                           %wt: tensor<?x4xf32>) -> tensor<?x128xbf16> {
  %r = moe.grouped_matmul %a, %w2 route_ids %ids rows routes top_k 4 block_m 1
      : (tensor<?x64xbf16>, tensor<32x128x64xbf16>, tensor<?x4xi32>) -> tensor<?x128xbf16>
  %y = moe.combine %r, %wt : tensor<?x128xbf16>, tensor<?x4xf32> -> tensor<?x128xbf16>
  return %y : tensor<?x128xbf16>
}

// -----

// moe.align's blocks: a block holds the routes of one expert, not a token's.
// CHECK-LABEL: func.func @negative_aligned_blocks
// CHECK: moe.grouped_matmul {{.*}} block_m 16 : {{.*}} -> tensor<8x128xbf16>
// CHECK: moe.combine
func.func @negative_aligned_blocks(%a: tensor<8x64xbf16>, %w2: tensor<32x128x64xbf16>, %s: tensor<512xi32>,
                                   %b: tensor<32xi32>, %c: tensor<i32>, %wt: tensor<1x8xf32>) -> tensor<1x128xbf16> {
  %r = moe.grouped_matmul %a, %w2, %s, %b, %c rows routes top_k 8 block_m 16
      : (tensor<8x64xbf16>, tensor<32x128x64xbf16>, tensor<512xi32>, tensor<32xi32>, tensor<i32>) -> tensor<8x128xbf16>
  %y = moe.combine %r, %wt : tensor<8x128xbf16>, tensor<1x8xf32> -> tensor<1x128xbf16>
  return %y : tensor<1x128xbf16>
}

// -----

// The routes are also returned: fusing would lose them.
// CHECK-LABEL: func.func @negative_routes_have_other_users
// CHECK: %[[R:.*]] = moe.grouped_matmul {{.*}} -> tensor<8x128xbf16>
// CHECK: %[[Y:.*]] = moe.combine %[[R]]
// CHECK: return %[[Y]], %[[R]]
func.func @negative_routes_have_other_users(%a: tensor<8x64xbf16>, %w2: tensor<32x128x64xbf16>, %ids: tensor<1x8xi32>,
                                            %wt: tensor<1x8xf32>) -> (tensor<1x128xbf16>, tensor<8x128xbf16>) {
  %r = moe.grouped_matmul %a, %w2 route_ids %ids rows routes top_k 8 block_m 1
      : (tensor<8x64xbf16>, tensor<32x128x64xbf16>, tensor<1x8xi32>) -> tensor<8x128xbf16>
  %y = moe.combine %r, %wt : tensor<8x128xbf16>, tensor<1x8xf32> -> tensor<1x128xbf16>
  return %y, %r : tensor<1x128xbf16>, tensor<8x128xbf16>
}

// -----

// The GEMM applies weights already; a second weight is the combine's.
// CHECK-LABEL: func.func @negative_gemm_has_weights
// CHECK: moe.grouped_matmul {{.*}} weights
// CHECK-NOT: sum_routes
// CHECK: moe.combine
func.func @negative_gemm_has_weights(%a: tensor<8x64xbf16>, %w2: tensor<32x128x64xbf16>, %ids: tensor<1x8xi32>,
                                     %wt: tensor<1x8xf32>) -> tensor<1x128xbf16> {
  %r = moe.grouped_matmul %a, %w2 route_ids %ids rows routes top_k 8 block_m 1 weights %wt
      : (tensor<8x64xbf16>, tensor<32x128x64xbf16>, tensor<1x8xi32>, tensor<1x8xf32>) -> tensor<8x128xbf16>
  %y = moe.combine %r, %wt : tensor<8x128xbf16>, tensor<1x8xf32> -> tensor<1x128xbf16>
  return %y : tensor<1x128xbf16>
}

// -----

// The combine keeps the routes of an expert range only.
// CHECK-LABEL: func.func @negative_combine_range
// CHECK: moe.grouped_matmul {{.*}} block_m 1 : {{.*}} -> tensor<8x128xbf16>
// CHECK: moe.combine {{.*}} range
func.func @negative_combine_range(%a: tensor<8x64xbf16>, %w2: tensor<32x128x64xbf16>, %ids: tensor<1x8xi32>,
                                  %wt: tensor<1x8xf32>, %lo: index) -> tensor<1x128xbf16> {
  %r = moe.grouped_matmul %a, %w2 route_ids %ids rows routes top_k 8 block_m 1
      : (tensor<8x64xbf16>, tensor<32x128x64xbf16>, tensor<1x8xi32>) -> tensor<8x128xbf16>
  %y = moe.combine %r, %wt ids %ids experts 32 range %lo
      : tensor<8x128xbf16>, tensor<1x8xf32>, tensor<1x8xi32> -> tensor<1x128xbf16>
  return %y : tensor<1x128xbf16>
}

// -----

// The combine's ids are not the GEMM's, or count other experts.
// CHECK-LABEL: func.func @negative_combine_other_ids
// CHECK-COUNT-2: moe.combine
func.func @negative_combine_other_ids(%a: tensor<8x64xbf16>, %w2: tensor<32x128x64xbf16>, %ids: tensor<1x8xi32>,
                                      %other: tensor<1x8xi32>, %wt: tensor<1x8xf32>) -> (tensor<1x128xbf16>, tensor<1x128xbf16>) {
  %r = moe.grouped_matmul %a, %w2 route_ids %ids rows routes top_k 8 block_m 1
      : (tensor<8x64xbf16>, tensor<32x128x64xbf16>, tensor<1x8xi32>) -> tensor<8x128xbf16>
  %y = moe.combine %r, %wt ids %other experts 32
      : tensor<8x128xbf16>, tensor<1x8xf32>, tensor<1x8xi32> -> tensor<1x128xbf16>
  %r2 = moe.grouped_matmul %a, %w2 route_ids %ids rows routes top_k 8 block_m 1
      : (tensor<8x64xbf16>, tensor<32x128x64xbf16>, tensor<1x8xi32>) -> tensor<8x128xbf16>
  %y2 = moe.combine %r2, %wt ids %ids experts 16
      : tensor<8x128xbf16>, tensor<1x8xf32>, tensor<1x8xi32> -> tensor<1x128xbf16>
  return %y, %y2 : tensor<1x128xbf16>, tensor<1x128xbf16>
}

// -----

// 64 routes per token: more than the lanes of a wave.
// CHECK-LABEL: func.func @negative_top_k_above_32
// CHECK: moe.grouped_matmul {{.*}} top_k 64 block_m 1 : {{.*}} -> tensor<64x128xbf16>
// CHECK: moe.combine
func.func @negative_top_k_above_32(%a: tensor<64x64xbf16>, %w2: tensor<256x128x64xbf16>, %ids: tensor<1x64xi32>,
                                   %wt: tensor<1x64xf32>) -> tensor<1x128xbf16> {
  %r = moe.grouped_matmul %a, %w2 route_ids %ids rows routes top_k 64 block_m 1
      : (tensor<64x64xbf16>, tensor<256x128x64xbf16>, tensor<1x64xi32>) -> tensor<64x128xbf16>
  %y = moe.combine %r, %wt : tensor<64x128xbf16>, tensor<1x64xf32> -> tensor<1x128xbf16>
  return %y : tensor<1x128xbf16>
}

// -----

// fp4 weights with mx scales and bf16 A: fused for the CPU and gfx950; on
// sm_90 their kernel (mma_row_dot) does not sum routes, so the combine stays.
// CHECK-LABEL: func.func @fp4_weights
// CHECK: moe.grouped_matmul {{.*}} sum_routes
// CHECK-NOT: moe.combine
// GFX950-LABEL: func.func @fp4_weights
// GFX950: moe.grouped_matmul {{.*}} sum_routes
// GFX950-NOT: moe.combine
// SM90-LABEL: func.func @fp4_weights
// SM90: moe.grouped_matmul
// SM90-NOT: sum_routes
// SM90: moe.combine
func.func @fp4_weights(%a: tensor<8x64xbf16>, %w2: tensor<32x128x64xf4E2M1FN>, %s2: tensor<32x128x2xf8E8M0FNU>,
                       %ids: tensor<2x4xi32>, %wt: tensor<2x4xf32>) -> tensor<2x128xbf16> {
  %r = moe.grouped_matmul %a, %w2 route_ids %ids rows routes top_k 4 block_m 1 w_scales %s2 <mx>
      : (tensor<8x64xbf16>, tensor<32x128x64xf4E2M1FN>, tensor<2x4xi32>, tensor<32x128x2xf8E8M0FNU>) -> tensor<8x128xbf16>
  %y = moe.combine %r, %wt ids %ids experts 32
      : tensor<8x128xbf16>, tensor<2x4xf32>, tensor<2x4xi32> -> tensor<2x128xbf16>
  return %y : tensor<2x128xbf16>
}
