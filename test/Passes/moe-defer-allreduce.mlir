// RUN: moe-opt %s -split-input-file -moe-defer-allreduce | FileCheck %s
// RUN: moe-opt %s -split-input-file -moe-defer-allreduce="allow-cast-reassociation=true" | FileCheck %s --check-prefix=CAST

// CHECK-LABEL: func.func @fuse_into_rms_norm
// CHECK-SAME: (%[[PARTIAL:.*]]: tensor<?x64xbf16>, %[[RES:.*]]: tensor<?x64xbf16>, %[[W:.*]]: tensor<64xbf16>)
// CHECK-NEXT: %[[NORMED:.*]], %[[SUM:.*]] = moe.all_reduce_add_rms_norm %[[PARTIAL]], %[[RES]], %[[W]] group "tp" eps 9.99999997E-7 offset 1.000000e+00
// CHECK-NEXT: return %[[NORMED]], %[[SUM]]
module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @fuse_into_rms_norm(%partial: tensor<?x64xbf16>, %res: tensor<?x64xbf16>, %w: tensor<64xbf16>)
      -> (tensor<?x64xbf16>, tensor<?x64xbf16>) {
    %r = moe.all_reduce %partial group "tp" : tensor<?x64xbf16>
    %h = arith.addf %r, %res : tensor<?x64xbf16>
    %n = moe.rms_norm %h, %w eps 1.0e-06 offset 1.0 : tensor<?x64xbf16>, tensor<64xbf16>
    return %n, %h : tensor<?x64xbf16>, tensor<?x64xbf16>
  }
}

// -----

// The residual may be either addend; add_rms_norm fuses too.
// CHECK-LABEL: func.func @fuse_residual_first_and_add_rms_norm
// CHECK-SAME: (%[[A:.*]]: tensor<8x64xf32>, %[[B:.*]]: tensor<8x64xf32>, %[[RES:.*]]: tensor<8x64xf32>, %[[W:.*]]: tensor<64xf32>)
// CHECK: %[[N1:.*]], %[[S1:.*]] = moe.all_reduce_add_rms_norm %[[A]], %[[RES]], %[[W]] group "tp"
// CHECK: %[[N2:.*]], %[[S2:.*]] = moe.all_reduce_add_rms_norm %[[B]], %[[S1]], %[[W]] group "tp" eps 9.99999974E-6
// CHECK-NOT: moe.all_reduce %
// CHECK: return %[[N1]], %[[N2]], %[[S2]]
module attributes {moe.parallel = #moe.parallel<tp = 2>} {
  func.func @fuse_residual_first_and_add_rms_norm(%a: tensor<8x64xf32>, %b: tensor<8x64xf32>, %res: tensor<8x64xf32>, %w: tensor<64xf32>)
      -> (tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>) {
    %ra = moe.all_reduce %a group "tp" : tensor<8x64xf32>
    %h = arith.addf %res, %ra : tensor<8x64xf32>
    %n1 = moe.rms_norm %h, %w eps 1.0e-06 : tensor<8x64xf32>, tensor<64xf32>
    %rb = moe.all_reduce %b group "tp" : tensor<8x64xf32>
    %n2, %s2 = moe.add_rms_norm %rb, %h, %w eps 1.0e-05 : tensor<8x64xf32>, tensor<64xf32>
    return %n1, %n2, %s2 : tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>
  }
}

// -----

// AR(a) + AR(b) -> AR(a + b), then the fusion.
// CHECK-LABEL: func.func @sink_through_add
// CHECK-SAME: (%[[A:.*]]: tensor<4x64xbf16>, %[[B:.*]]: tensor<4x64xbf16>, %[[RES:.*]]: tensor<4x64xbf16>, %[[W:.*]]: tensor<64xbf16>)
// CHECK: %[[AB:.*]] = arith.addf %[[A]], %[[B]]
// CHECK: moe.all_reduce_add_rms_norm %[[AB]], %[[RES]], %[[W]] group "tp"
module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @sink_through_add(%a: tensor<4x64xbf16>, %b: tensor<4x64xbf16>, %res: tensor<4x64xbf16>, %w: tensor<64xbf16>) -> tensor<4x64xbf16> {
    %ra = moe.all_reduce %a group "tp" : tensor<4x64xbf16>
    %rb = moe.all_reduce %b group "tp" : tensor<4x64xbf16>
    %s = arith.addf %ra, %rb : tensor<4x64xbf16>
    %h = arith.addf %s, %res : tensor<4x64xbf16>
    %n = moe.rms_norm %h, %w eps 1.0e-06 : tensor<4x64xbf16>, tensor<64xbf16>
    return %n : tensor<4x64xbf16>
  }
}

// -----

// c * AR(a) -> AR(c * a) for a constant c; reshapes move too.
// CHECK-LABEL: func.func @sink_through_scale_and_reshape
// CHECK-SAME: (%[[A:.*]]: tensor<4x8x8xbf16>, %[[RES:.*]]: tensor<4x64xbf16>, %[[W:.*]]: tensor<64xbf16>)
// CHECK: %[[C:.*]] = arith.constant dense<5.000000e-01> : tensor<4x8x8xbf16>
// CHECK: %[[SCALED:.*]] = arith.mulf %[[A]], %[[C]]
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[SCALED]]
// CHECK: moe.all_reduce_add_rms_norm %[[FLAT]], %[[RES]], %[[W]] group "tp"
module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @sink_through_scale_and_reshape(%a: tensor<4x8x8xbf16>, %res: tensor<4x64xbf16>, %w: tensor<64xbf16>) -> tensor<4x64xbf16> {
    %c = arith.constant dense<0.5> : tensor<4x8x8xbf16>
    %r = moe.all_reduce %a group "tp" : tensor<4x8x8xbf16>
    %m = arith.mulf %r, %c : tensor<4x8x8xbf16>
    %flat = tensor.collapse_shape %m [[0], [1, 2]] : tensor<4x8x8xbf16> into tensor<4x64xbf16>
    %h = arith.addf %flat, %res : tensor<4x64xbf16>
    %n = moe.rms_norm %h, %w eps 1.0e-06 : tensor<4x64xbf16>, tensor<64xbf16>
    return %n : tensor<4x64xbf16>
  }
}

// -----

// The reduced value is also returned: the fused op cannot return it.
// CHECK-LABEL: func.func @negative_reduced_value_has_other_user
// CHECK: %[[R:.*]] = moe.all_reduce
// CHECK: moe.rms_norm
// CHECK-NOT: moe.all_reduce_add_rms_norm
module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @negative_reduced_value_has_other_user(%partial: tensor<4x64xbf16>, %res: tensor<4x64xbf16>, %w: tensor<64xbf16>)
      -> (tensor<4x64xbf16>, tensor<4x64xbf16>) {
    %r = moe.all_reduce %partial group "tp" : tensor<4x64xbf16>
    %h = arith.addf %r, %res : tensor<4x64xbf16>
    %n = moe.rms_norm %h, %w eps 1.0e-06 : tensor<4x64xbf16>, tensor<64xbf16>
    return %n, %r : tensor<4x64xbf16>, tensor<4x64xbf16>
  }
}

// -----

// Reductions over different groups do not merge.
// CHECK-LABEL: func.func @negative_groups_differ
// CHECK: moe.all_reduce %{{.*}} group "tp"
// CHECK: moe.all_reduce %{{.*}} group "ep"
// CHECK: arith.addf
module attributes {moe.parallel = #moe.parallel<tp = 4, ep = 2>} {
  func.func @negative_groups_differ(%a: tensor<4x64xbf16>, %b: tensor<4x64xbf16>) -> tensor<4x64xbf16> {
    %ra = moe.all_reduce %a group "tp" : tensor<4x64xbf16>
    %rb = moe.all_reduce %b group "ep" : tensor<4x64xbf16>
    %s = arith.addf %ra, %rb : tensor<4x64xbf16>
    return %s : tensor<4x64xbf16>
  }
}

// -----

// The norm runs over the other axis (after a transpose): no fusion.
// CHECK-LABEL: func.func @negative_norm_over_other_axis
// CHECK: moe.all_reduce
// CHECK: linalg.transpose
// CHECK: moe.rms_norm
// CHECK-NOT: moe.all_reduce_add_rms_norm
module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @negative_norm_over_other_axis(%partial: tensor<4x64xf32>, %res: tensor<4x64xf32>, %w: tensor<4xf32>) -> tensor<64x4xf32> {
    %r = moe.all_reduce %partial group "tp" : tensor<4x64xf32>
    %h = arith.addf %r, %res : tensor<4x64xf32>
    %init = tensor.empty() : tensor<64x4xf32>
    %t = linalg.transpose ins(%h : tensor<4x64xf32>) outs(%init : tensor<64x4xf32>) permutation = [1, 0]
    %n = moe.rms_norm %t, %w eps 1.0e-06 : tensor<64x4xf32>, tensor<4xf32>
    return %n : tensor<64x4xf32>
  }
}

// -----

// A scale that differs per rank (a function argument) does not commute.
// CHECK-LABEL: func.func @negative_scale_not_replicated
// CHECK: %[[R:.*]] = moe.all_reduce
// CHECK: arith.mulf %[[R]]
module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @negative_scale_not_replicated(%a: tensor<4x64xbf16>, %c: tensor<4x64xbf16>) -> tensor<4x64xbf16> {
    %r = moe.all_reduce %a group "tp" : tensor<4x64xbf16>
    %m = arith.mulf %r, %c : tensor<4x64xbf16>
    return %m : tensor<4x64xbf16>
  }
}

// -----

// Summing partials in f32 instead of bf16 changes rounding: only with the option.
// CHECK-LABEL: func.func @cast_needs_option
// CHECK: moe.all_reduce %{{.*}} group "tp" : tensor<4x64xbf16>
// CHECK: arith.extf
// CHECK-NOT: moe.all_reduce_add_rms_norm
// CAST-LABEL: func.func @cast_needs_option
// CAST-SAME: (%[[A:.*]]: tensor<4x64xbf16>, %[[RES:.*]]: tensor<4x64xf32>, %[[W:.*]]: tensor<64xf32>)
// CAST: %[[WIDE:.*]] = arith.extf %[[A]]
// CAST: moe.all_reduce_add_rms_norm %[[WIDE]], %[[RES]], %[[W]] group "tp"
module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @cast_needs_option(%a: tensor<4x64xbf16>, %res: tensor<4x64xf32>, %w: tensor<64xf32>) -> tensor<4x64xf32> {
    %r = moe.all_reduce %a group "tp" : tensor<4x64xbf16>
    %wide = arith.extf %r : tensor<4x64xbf16> to tensor<4x64xf32>
    %h = arith.addf %wide, %res : tensor<4x64xf32>
    %n = moe.rms_norm %h, %w eps 1.0e-06 : tensor<4x64xf32>, tensor<64xf32>
    return %n : tensor<4x64xf32>
  }
}
