// RUN: moe-opt %s --moe-read-only-arguments | FileCheck %s
// RUN: moe-opt %s --moe-read-only-arguments --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" | FileCheck %s --check-prefix=BUF

// The host ABI's operands are the caller's: a residual add writes a new
// buffer instead of its operand, and needs no copy for it.
// CHECK-LABEL: func.func @residual(
// CHECK-SAME: %{{.*}}: tensor<?x8xf32> {bufferization.writable = false}, %{{.*}}: tensor<?x8xf32> {bufferization.writable = false}, %{{.*}}: index)
// BUF-LABEL: func.func @residual(
// BUF: %[[OUT:.*]] = memref.alloc
// BUF-NOT: memref.copy
// BUF: linalg.generic {{.*}} outs(%[[OUT]]
// BUF: return %[[OUT]]
func.func @residual(%x: tensor<?x8xf32>, %y: tensor<?x8xf32>, %n: index) -> tensor<?x8xf32> {
  %sum = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%x, %y : tensor<?x8xf32>, tensor<?x8xf32>) outs(%x : tensor<?x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<?x8xf32>
  return %sum : tensor<?x8xf32>
}

// External functions are left alone.
// CHECK: func.func private @external(tensor<4xf32>)
func.func private @external(tensor<4xf32>)
