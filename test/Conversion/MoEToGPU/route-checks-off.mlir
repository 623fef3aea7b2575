// RUN: moe-opt --convert-moe-to-gpu-launch="target=sm_90 route-checks=false" %s | FileCheck %s
// RUN: moe-opt --convert-moe-to-gpu-launch="target=gfx942 route-checks=false" %s | FileCheck %s

// route-checks=false (moe-compile --route-checks=false): the align kernels
// neither scan the ids nor record anything, the launches pass 0 for the
// status address and tag, and the module has no route check message.
// CHECK-NOT: moe.check_messages
// CHECK-NOT: moe_device_check_block
// CHECK-LABEL: func.func @align
// CHECK:         %[[STATUS:.*]] = arith.constant 0 : i64
// CHECK:         %[[TAG:.*]] = arith.constant 0 : i64
// CHECK:         gpu.launch_func @moe_kernels::@align_align_0_scan {{.*}}, %[[STATUS]] : i64, %[[TAG]] : i64)
// CHECK:         gpu.launch_func @moe_kernels::@align_align_0 {{.*}}, %[[STATUS]] : i64, %[[TAG]] : i64)
// CHECK-LABEL: gpu.module @moe_kernels
// CHECK-NOT:     atomic_rmw mins
// CHECK-NOT:     llvm.inttoptr
// CHECK:         gpu.func @align_align_0_place
func.func @align(%ids: tensor<?x2xi32>) -> (tensor<?xi32>, tensor<?xi32>, tensor<i32>) {
  %s, %b, %c = moe.align %ids experts 8 block_m 16 : tensor<?x2xi32> -> tensor<?xi32>, tensor<?xi32>, tensor<i32>
  return %s, %b, %c : tensor<?xi32>, tensor<?xi32>, tensor<i32>
}
