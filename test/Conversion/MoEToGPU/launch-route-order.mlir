// RUN: moe-opt --split-input-file --verify-diagnostics --convert-moe-to-gpu-launch=target=sm_90 %s | FileCheck %s
// RUN: moe-opt --split-input-file --verify-diagnostics --convert-moe-to-gpu-launch=target=gfx942 %s | FileCheck %s --check-prefix=GFX942
// RUN: not moe-opt --split-input-file --convert-moe-to-gpu-launch="target=sm_90 gemm-loads=async-copy" %s 2>&1 | FileCheck %s --check-prefix=FORCED

// FORCED: error: 'moe.grouped_matmul' op expected row-dot loads (or the planner's) in route order (block_m 1): an MMA tile needs blocks of 16 or more routes

// Route order: no moe.align kernel; the GEMMs take the ids, a workgroup row
// per route (grid x = T * k), and the route check's host words and tag
// (both GEMMs report ids outside [0, E); a call keeps the first report);
// the grid is empty when the ids' T is not x's.
// GEMM1's output, read only by GEMM2 on the same ids, and GEMM2's, read
// only by a combine of the same ids, need no zero fill. The plan is row dot
// products on every chip (an MMA tile needs 16 or more routes).
// CHECK:       module attributes {{{.*}}moe.check_messages = ["moe.grouped_matmul at {{.*}}launch-route-order.mlir:{{[0-9]+}}:{{[0-9]+}}: route ids outside [0, 8)", {{.*}}"moe.grouped_matmul at {{.*}}launch-route-order.mlir:{{[0-9]+}}:{{[0-9]+}}: route ids outside [0, 8)"{{.*}}]}
// CHECK-LABEL: func.func @route_order
// CHECK-NOT:     moe_kernels::@route_order_align
// CHECK-NOT:     gpu.memset
// CHECK:         %[[STATUS:.*]] = call @moe_device_check_block() : () -> i64
// CHECK:         %[[T:.*]] = memref.dim %{{.*}}, %{{.*}} : memref<?x64xbf16>
// CHECK:         %[[R:.*]] = arith.muli %[[T]], %{{.*}} : index
// CHECK:         %[[ROWS:.*]] = arith.select %{{.*}}, %[[R]], %{{.*}} : index
// CHECK:         gpu.launch_func @moe_kernels::@route_order_grouped_matmul_0 blocks in (%[[ROWS]], %{{.*}}, %{{.*}}) {{.*}} args(%{{.*}} : memref<?x64xbf16>, %{{.*}} : memref<8x32x64xbf16>, %{{.*}} : memref<?x2xi32>, %{{.*}} : memref<?x16xbf16>, %[[STATUS]] : i64, %{{.*}} : i64)
// CHECK:         gpu.launch_func @moe_kernels::@route_order_grouped_matmul_1
// CHECK:         gpu.launch_func @moe_kernels::@route_order_combine_2
// CHECK:         gpu.func @route_order_grouped_matmul_0
// CHECK-NOT:       nvvm.mma.sync
// CHECK:           gpu.subgroup_reduce add
// CHECK:           gpu.subgroup_reduce minsi
// CHECK:           gpu.subgroup_reduce add
// CHECK:         gpu.return
// GFX942-LABEL: func.func @route_order
// GFX942:         gpu.launch_func @moe_kernels::@route_order_grouped_matmul_0
func.func @route_order(%x: tensor<?x64xbf16>, %w1: tensor<8x32x64xbf16>, %w2: tensor<8x64x16xbf16>,
                       %ids: tensor<?x2xi32>, %rw: tensor<?x2xf32>) -> tensor<?x64xbf16> {
  %h = moe.grouped_matmul %x, %w1 route_ids %ids rows tokens top_k 2 block_m 1 activation <silu_mul>
      : (tensor<?x64xbf16>, tensor<8x32x64xbf16>, tensor<?x2xi32>) -> tensor<?x16xbf16>
  %o = moe.grouped_matmul %h, %w2 route_ids %ids rows routes top_k 2 block_m 1
      : (tensor<?x16xbf16>, tensor<8x64x16xbf16>, tensor<?x2xi32>) -> tensor<?x64xbf16>
  %y = moe.combine %o, %rw ids %ids experts 8 : tensor<?x64xbf16>, tensor<?x2xf32>, tensor<?x2xi32> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}


// -----

// sum_routes: a workgroup row per token (grid x = T, the result's rows),
// no combine kernel and no zero fill (every token's row is written); the
// lanes hold the token's experts and weights, each run takes its route's
// with a shuffle.
// CHECK-LABEL: func.func @summed
// CHECK-NOT:     gpu.memset
// CHECK:         gpu.launch_func @moe_kernels::@summed_grouped_matmul_0
// CHECK:         %[[T:.*]] = memref.dim %[[OUT:.*]], %{{.*}} : memref<?x64xbf16>
// CHECK:         %[[ROWS:.*]] = arith.select %{{.*}}, %[[T]], %{{.*}} : index
// CHECK:         gpu.launch_func @moe_kernels::@summed_grouped_matmul_1 blocks in (%[[ROWS]], %{{.*}}, %{{.*}}) {{.*}} args(%{{.*}} : memref<?x16xbf16>, %{{.*}} : memref<8x64x16xbf16>, %{{.*}} : memref<?x2xi32>, %{{.*}} : memref<?x2xf32>, %[[OUT]] : memref<?x64xbf16>, %{{.*}} : i64, %{{.*}} : i64)
// CHECK-NOT:     gpu.launch_func
// CHECK:         gpu.func @summed_grouped_matmul_1
// CHECK:           gpu.shuffle idx
// CHECK:           gpu.subgroup_reduce add
// CHECK:         gpu.return
// GFX942-LABEL: func.func @summed
// GFX942:         gpu.launch_func @moe_kernels::@summed_grouped_matmul_1
func.func @summed(%x: tensor<?x64xbf16>, %w1: tensor<8x32x64xbf16>, %w2: tensor<8x64x16xbf16>,
                  %ids: tensor<?x2xi32>, %rw: tensor<?x2xf32>) -> tensor<?x64xbf16> {
  %h = moe.grouped_matmul %x, %w1 route_ids %ids rows tokens top_k 2 block_m 1 activation <silu_mul>
      : (tensor<?x64xbf16>, tensor<8x32x64xbf16>, tensor<?x2xi32>) -> tensor<?x16xbf16>
  %y = moe.grouped_matmul %h, %w2 route_ids %ids rows routes top_k 2 block_m 1 weights %rw sum_routes
      : (tensor<?x16xbf16>, tensor<8x64x16xbf16>, tensor<?x2xi32>, tensor<?x2xf32>) -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}
