// RUN: moe-opt %s -split-input-file -convert-moe-to-cpu | FileCheck %s

// Over a group of several ranks, collectives become calls of the runtime's
// moe_collective_* (the Open MPI backend for CPU libraries) on host
// buffers. 16-bit data summed over more than two ranks is widened to f32
// first and rounded once after the sum.

// CHECK-DAG: memref.global "private" constant @moe_group_tp : memref<3xi8> = dense<[116, 112, 0]>
// CHECK-DAG: func.func private @moe_collective_all_reduce(i64, i64, i64, i32, i64, i64)
// CHECK-LABEL: func.func @tp4
// CHECK-SAME: (%[[X:.*]]: tensor<4x16xbf16>)
// CHECK: %[[WIDE:.*]] = arith.extf %[[X]] : tensor<4x16xbf16> to tensor<4x16xf32>
// CHECK: %[[IN:.*]] = bufferization.to_buffer %[[WIDE]] read_only
// CHECK: %[[OUT:.*]] = memref.alloc() {alignment = 256 : i64} : memref<4x16xf32>
// CHECK: %[[F32:.*]] = arith.constant 0 : i32
// CHECK: %[[RANKS:.*]] = arith.constant 4 : i64
// CHECK: call @moe_collective_all_reduce(%{{.*}}, %{{.*}}, %{{.*}}, %[[F32]], %{{.*}}, %[[RANKS]])
// CHECK: %[[SUM:.*]] = bufferization.to_tensor %[[OUT]] restrict writable
// CHECK: %[[Y:.*]] = arith.truncf %[[SUM]] : tensor<4x16xf32> to tensor<4x16xbf16>
// CHECK: return %[[Y]]
module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @tp4(%x: tensor<4x16xbf16>) -> tensor<4x16xbf16> {
    %y = moe.all_reduce %x group "tp" : tensor<4x16xbf16>
    return %y : tensor<4x16xbf16>
  }
}

// -----

// The fused op is all_reduce (two ranks: bf16 in, one addition) then the
// residual add and the norm, lowered as moe.add_rms_norm.
// CHECK-LABEL: func.func @fused
// CHECK-NOT: arith.extf %arg0
// CHECK: call @moe_collective_all_reduce(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (i64, i64, i64, i32, i64, i64) -> ()
// CHECK-NOT: moe.
// CHECK: return
module attributes {moe.parallel = #moe.parallel<tp = 2>} {
  func.func @fused(%x: tensor<?x16xbf16>, %r: tensor<?x16xbf16>, %w: tensor<16xbf16>) -> (tensor<?x16xbf16>, tensor<?x16xbf16>) {
    %n, %s = moe.all_reduce_add_rms_norm %x, %r, %w group "tp" eps 1.0e-06 : tensor<?x16xbf16>, tensor<16xbf16>
    return %n, %s : tensor<?x16xbf16>, tensor<?x16xbf16>
  }
}

// -----

// all_to_all: the counts first (the call returns the rows received), then
// the rows into a buffer of that many rows (a dynamic row count) or of the
// result's capacity.
// CHECK-DAG: func.func private @moe_collective_exchange_counts(i64, i64, i64, i64) -> i64
// CHECK-DAG: func.func private @moe_collective_all_to_all(i64, i64, i64, i64, i64, i64, i64, i32, i64, i64)
// CHECK-LABEL: func.func @dispatch
// CHECK: %[[RECV:.*]] = memref.alloc() {alignment = 64 : i64} : memref<4xi32>
// CHECK: %[[TOTAL:.*]] = call @moe_collective_exchange_counts
// CHECK: %[[N:.*]] = arith.index_cast %[[TOTAL]] : i64 to index
// CHECK: %[[ROWS:.*]] = memref.alloc(%[[N]]) {alignment = 256 : i64} : memref<?x8xbf16>
// CHECK: %[[BF16:.*]] = arith.constant 2 : i32
// CHECK: call @moe_collective_all_to_all({{.*}}, %[[BF16]], {{.*}})
// CHECK-DAG: %[[R:.*]] = bufferization.to_tensor %[[ROWS]]
// CHECK-DAG: %[[N:.*]] = bufferization.to_tensor %[[RECV]]
// CHECK: return %[[R]], %[[N]]
// CHECK-LABEL: func.func @capacity
// CHECK: memref.alloc() {alignment = 256 : i64} : memref<32x8xf32>
// CHECK: call @moe_collective_all_to_all
module attributes {moe.parallel = #moe.parallel<ep = 4>} {
  func.func @dispatch(%x: tensor<?x8xbf16>, %c: tensor<4xi32>) -> (tensor<?x8xbf16>, tensor<4xi32>) {
    %r, %n = moe.all_to_all %x, %c group "ep" : tensor<?x8xbf16>, tensor<4xi32> -> tensor<?x8xbf16>, tensor<4xi32>
    return %r, %n : tensor<?x8xbf16>, tensor<4xi32>
  }
  func.func @capacity(%x: tensor<16x8xf32>, %c: tensor<4xi32>) -> (tensor<32x8xf32>, tensor<4xi32>) {
    %r, %n = moe.all_to_all %x, %c group "ep" : tensor<16x8xf32>, tensor<4xi32> -> tensor<32x8xf32>, tensor<4xi32>
    return %r, %n : tensor<32x8xf32>, tensor<4xi32>
  }
}
