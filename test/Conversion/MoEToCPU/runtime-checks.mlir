// RUN: moe-opt %s -split-input-file -convert-moe-to-cpu | FileCheck %s

// Sizes the verifier cannot relate (dynamic T of x and of the routing
// weights/ids) are checked when the program runs: a failed check records
// its id + 1 and both sizes in @moe_check_state and the op does no work.
// CHECK: module attributes {moe.check_messages = ["moe.experts at {{.*}}runtime-checks.mlir:{{[0-9]+}}:{{[0-9]+}}: dim 0 of 'weights' must equal dim 0 of 'x' (T)", "moe.experts at {{.*}}: dim 0 of 'ids' must equal dim 0 of 'x' (T)", "moe.experts at {{.*}}: route ids outside [0, 8)"]}
// CHECK: memref.global "public" @moe_check_state : memref<4xi64> = dense<0>
// CHECK-LABEL: func.func @experts
// CHECK-SAME: (%[[X:.*]]: tensor<?x32xbf16>, {{.*}}, %[[W:.*]]: tensor<?x2xf32>, %[[IDS:.*]]: tensor<?x2xi32>)
// CHECK: %[[T:.*]] = tensor.dim %[[X]], %{{.*}}
// CHECK: %[[WT:.*]] = tensor.dim %[[W]], %{{.*}}
// CHECK: %[[OK1:.*]] = arith.cmpi eq, %[[WT]], %[[T]]
// CHECK: scf.if
// CHECK: %[[STATE:.*]] = memref.get_global @moe_check_state
// CHECK: memref.store %{{.*}}, %[[STATE]]
// CHECK: %[[OK2:.*]] = arith.cmpi eq
// CHECK: %[[OK:.*]] = arith.andi %[[OK1]], %[[OK2]]
// Every route's id is checked against [0, E): the count of those outside,
// the first one's id and token are recorded with tag -(2 + 1).
// CHECK: %[[SCAN:.*]]:3 = scf.for {{.*}} -> (index, index, index)
// CHECK: %[[LOW:.*]] = arith.cmpi slt, %{{.*}}, %[[ZERO:.*]] : index
// CHECK: %[[HIGH:.*]] = arith.cmpi sge, %{{.*}}, %c8 : index
// CHECK: arith.ori %[[LOW]], %[[HIGH]]
// CHECK: %[[BAD:.*]] = arith.cmpi ne, %[[SCAN]]#0
// CHECK: scf.if %[[BAD]]
// CHECK: arith.constant -3 : i64
// CHECK: %[[TRIPS:.*]] = arith.select %[[OK]], %[[T]], %{{.*}} : index
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[TRIPS]]
func.func @experts(%x: tensor<?x32xbf16>, %w1: tensor<8x48x32xbf16>, %w2: tensor<8x32x24xbf16>,
                   %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>) -> tensor<?x32xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      : (tensor<?x32xbf16>, tensor<8x48x32xbf16>, tensor<8x32x24xbf16>, tensor<?x2xf32>, tensor<?x2xi32>) -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// -----

// Static sizes were proven by the verifier: no check, no branch.
// CHECK-NOT: moe.check_messages
// CHECK-LABEL: func.func @static_norm
// CHECK-NOT: scf.if
// CHECK: return
func.func @static_norm(%x: tensor<4x16xbf16>, %w: tensor<16xbf16>) -> tensor<4x16xbf16> {
  %y = moe.rms_norm %x, %w eps 1.0e-06 : tensor<4x16xbf16>, tensor<16xbf16>
  return %y : tensor<4x16xbf16>
}

// -----

// A dynamic expert count is checked against top_k and the groups.
// CHECK: module attributes {moe.check_messages = ["moe.gate at {{.*}}: top_k must not exceed the number of experts (dim 1 of 'logits')", "moe.gate at {{.*}}: the number of experts must be a multiple of n_group", "moe.gate at {{.*}}: each expert group must have at least 2 experts"]}
// CHECK-LABEL: func.func @gate_dynamic_experts
func.func @gate_dynamic_experts(%l: tensor<4x?xf32>) -> (tensor<4x4xf32>, tensor<4x4xi32>) {
  %w, %i = moe.gate %l top_k 4 sigmoid groups 4 keep 2 : tensor<4x?xf32> -> tensor<4x4xf32>, tensor<4x4xi32>
  return %w, %i : tensor<4x4xf32>, tensor<4x4xi32>
}
