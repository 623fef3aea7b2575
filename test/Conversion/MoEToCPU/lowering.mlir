// RUN: moe-opt %s -split-input-file -convert-moe-to-cpu | FileCheck %s

// The CPU reference lowering leaves no moe op behind and uses the structure
// it documents: loops over tensors for routing and GEMMs, linalg.generic for
// elementwise ops and reductions.

// CHECK-LABEL: func.func @gate
// CHECK-NOT: moe.
// CHECK: scf.for
// CHECK: math.exp
// CHECK: tensor.insert
// CHECK-NOT: moe.
func.func @gate(%l: tensor<?x8xbf16>) -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %w, %i = moe.gate %l top_k 2 softmax renormalize : tensor<?x8xbf16> -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w, %i : tensor<?x2xf32>, tensor<?x2xi32>
}

// -----

// CHECK-LABEL: func.func @rms_norm
// CHECK: %[[SUMSQ:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK: %[[NORMED:.*]] = linalg.generic {{.*}}ins(%{{.*}}, %[[SUMSQ]], %{{.*}} : tensor<4x16xbf16>, tensor<4xf32>, tensor<16xbf16>)
// CHECK: math.rsqrt
// CHECK: arith.truncf {{.*}} : f32 to bf16
// CHECK: return %[[NORMED]]
func.func @rms_norm(%x: tensor<4x16xbf16>, %w: tensor<16xbf16>) -> tensor<4x16xbf16> {
  %y = moe.rms_norm %x, %w eps 1.0e-06 : tensor<4x16xbf16>, tensor<16xbf16>
  return %y : tensor<4x16xbf16>
}

// -----

// A collective over one rank is its input.
// CHECK-LABEL: func.func @single_rank
// CHECK-SAME: (%[[X:.*]]: tensor<4x16xbf16>)
// CHECK-NEXT: return %[[X]]
func.func @single_rank(%x: tensor<4x16xbf16>) -> tensor<4x16xbf16>
    attributes {moe.parallel = #moe.parallel<tp = 1>} {
  %y = moe.all_reduce %x group "tp" : tensor<4x16xbf16>
  return %y : tensor<4x16xbf16>
}

// -----

// CHECK-LABEL: func.func @experts
// CHECK-NOT: moe.experts
// CHECK: scf.for
// CHECK: scf.if
// CHECK: linalg.generic
// CHECK: arith.truncf {{.*}} : f32 to bf16
func.func @experts(%x: tensor<?x32xbf16>, %w1: tensor<8x48x32xbf16>, %w2: tensor<8x32x24xbf16>,
                   %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>) -> tensor<?x32xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      : (tensor<?x32xbf16>, tensor<8x48x32xbf16>, tensor<8x32x24xbf16>, tensor<?x2xf32>, tensor<?x2xi32>) -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}
