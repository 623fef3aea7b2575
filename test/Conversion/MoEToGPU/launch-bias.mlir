// RUN: moe-opt --convert-moe-to-gpu-launch=target=sm_90 %s | FileCheck %s
// RUN: moe-opt --convert-moe-to-gpu-launch=target=gfx950 %s | FileCheck %s --check-prefix=GFX950

// Expert biases in the GEMM kernels: the bias buffer follows the routing
// weights among the kernel's arguments (as among the op's operands).
// Blocks (an MMA plan): each value adds its expert's bias row entry (the
// gate's and the up's weight row) in f32 before the gated activation.
// CHECK-LABEL: func.func @blocks_bias
// CHECK:         gpu.launch_func @moe_kernels::@blocks_bias_grouped_matmul_0 {{.*}} args({{.*}} : memref<i32>, %{{.*}} : memref<8x64xbf16>, %{{.*}} : memref<?x32xbf16>)
// Sum over the routes (row dot products, route order): the routes'
// weighted biases are summed over the wave (lane j holds route j) and
// added to the token's sum.
// CHECK-LABEL: func.func @summed_bias
// CHECK:         gpu.launch_func @moe_kernels::@summed_bias_grouped_matmul_1 {{.*}} args({{.*}} : memref<?x2xf32>, %{{.*}} : memref<8x64xf32>, %{{.*}} : memref<?x64xbf16>, {{.*}})
// CHECK:       gpu.func @blocks_bias_grouped_matmul_0(%{{.*}}, %[[BIAS:.*]]: memref<8x64xbf16>, %{{.*}}: memref<?x32xbf16>)
// CHECK:         nvvm.mma.sync
// CHECK:         %[[GB:.*]] = memref.load %[[BIAS]][%[[E:.*]], %{{.*}}] : memref<8x64xbf16>
// CHECK-NEXT:    %[[GBF:.*]] = arith.extf %[[GB]] : bf16 to f32
// CHECK-NEXT:    %[[G:.*]] = arith.addf %{{.*}}, %[[GBF]] : f32
// CHECK-NEXT:    %[[UB:.*]] = memref.load %[[BIAS]][%[[E]], %{{.*}}] : memref<8x64xbf16>
// CHECK-NEXT:    %[[UBF:.*]] = arith.extf %[[UB]] : bf16 to f32
// CHECK-NEXT:    arith.addf %{{.*}}, %[[UBF]] : f32
// CHECK:         arith.negf %[[G]] : f32
// CHECK:       gpu.func @summed_bias_grouped_matmul_1(%{{.*}}: memref<?x2xf32>, %[[SBIAS:.*]]: memref<8x64xf32>, %[[OUT:.*]]: memref<?x64xbf16>,
// CHECK:         %[[RB:.*]] = memref.load %[[SBIAS]]
// CHECK-NEXT:    %[[WRB:.*]] = arith.mulf %{{.*}}, %[[RB]] : f32
// CHECK:         %[[MINE:.*]] = arith.select %{{.*}}, %[[WRB]], %{{.*}} : f32
// CHECK-NEXT:    %[[SUM:.*]] = gpu.subgroup_reduce add %[[MINE]] uniform : (f32) -> f32
// CHECK:         %[[Y:.*]] = arith.addf %{{.*}}, %[[SUM]] : f32
// CHECK-NEXT:    %[[YB:.*]] = arith.truncf %[[Y]] : f32 to bf16
// CHECK-NEXT:    memref.store %[[YB]], %[[OUT]]
// GFX950-LABEL: func.func @blocks_bias
// GFX950:       gpu.func @blocks_bias_grouped_matmul_0
// GFX950:         amdgpu.mfma
// GFX950:         memref.load %{{.*}} : memref<8x64xbf16>
func.func @blocks_bias(%x: tensor<?x64xbf16>, %w: tensor<8x64x64xbf16>, %s: tensor<?xi32>,
                       %b: tensor<?xi32>, %c: tensor<i32>, %bias: tensor<8x64xbf16>) -> tensor<?x32xbf16> {
  %h = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 2 block_m 16 bias %bias activation <silu_mul>
      : (tensor<?x64xbf16>, tensor<8x64x64xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>, tensor<8x64xbf16>) -> tensor<?x32xbf16>
  return %h : tensor<?x32xbf16>
}

func.func @summed_bias(%a: tensor<?x32xbf16>, %w: tensor<8x64x32xbf16>, %ids: tensor<?x2xi32>,
                       %rw: tensor<?x2xf32>, %bias: tensor<8x64xf32>) -> tensor<?x64xbf16> {
  %o = moe.grouped_matmul %a, %w route_ids %ids rows routes top_k 2 block_m 1 weights %rw bias %bias sum_routes
      : (tensor<?x32xbf16>, tensor<8x64x32xbf16>, tensor<?x2xi32>, tensor<?x2xf32>, tensor<8x64xf32>) -> tensor<?x64xbf16>
  return %o : tensor<?x64xbf16>
}
