// RUN: moe-opt %s -split-input-file -convert-tm-tensor-to-loops -verify-diagnostics | FileCheck %s

// sort: an insertion sort of each line along dim 1; the comparator is
// inlined at each step and a true result swaps the pair in every tensor.
// CHECK-LABEL: func.func @sort
// CHECK-NOT: tm_tensor.
// CHECK: scf.for %[[ROW:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (tensor<4x8xf32>, tensor<4x8xi64>)
// CHECK:   scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step
// CHECK:     scf.for %[[BACK:.*]] = %{{.*}} to %[[I]] step
// CHECK:       %[[J:.*]] = arith.subi %[[I]], %[[BACK]]
// CHECK:       %[[P:.*]] = arith.subi %[[J]], %{{.*}}
// CHECK:       %[[A:.*]] = tensor.extract %{{.*}}[%[[ROW]], %[[J]]] : tensor<4x8xf32>
// CHECK:       %[[B:.*]] = tensor.extract %{{.*}}[%[[ROW]], %[[P]]] : tensor<4x8xf32>
// CHECK:       %[[FIRST:.*]] = arith.cmpf ogt, %[[A]], %[[B]] : f32
// CHECK:       scf.if %[[FIRST]] -> (tensor<4x8xf32>, tensor<4x8xi64>)
// CHECK:         tensor.insert %[[A]] into %{{.*}}[%[[ROW]], %[[P]]]
// CHECK:         tensor.insert %[[B]] into %{{.*}}[%[[ROW]], %[[J]]]
func.func @sort(%x: tensor<4x8xf32>, %i: tensor<4x8xi64>) -> (tensor<4x8xf32>, tensor<4x8xi64>) {
  %0:2 = tm_tensor.sort dimension(1) outs(%x, %i : tensor<4x8xf32>, tensor<4x8xi64>) {
  ^bb0(%a: f32, %b: f32, %p: i64, %q: i64):
    %c = arith.cmpf ogt, %a, %b : f32
    tm_tensor.yield %c : i1
  } -> tensor<4x8xf32>, tensor<4x8xi64>
  return %0#0, %0#1 : tensor<4x8xf32>, tensor<4x8xi64>
}

// -----

// topk without indices in ins: a value's index is its position.
// CHECK-LABEL: func.func @topk
// CHECK-NOT: tm_tensor.
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK:   scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK:     %[[ID:.*]] = arith.index_cast %[[I]] : index to i64
// CHECK:     scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %[[ID]]) -> (tensor<2x3xf32>, tensor<2x3xi64>, f32, i64)
// CHECK:       arith.cmpf ogt
// CHECK:       scf.if
func.func @topk(%x: tensor<2x16xf32>, %v: tensor<2x3xf32>, %i: tensor<2x3xi64>) -> (tensor<2x3xf32>, tensor<2x3xi64>) {
  %0:2 = tm_tensor.topk dimension(1) ins(%x : tensor<2x16xf32>) outs(%v, %i : tensor<2x3xf32>, tensor<2x3xi64>) {
  ^bb0(%a: f32, %b: f32):
    %c = arith.cmpf ogt, %a, %b : f32
    tm_tensor.yield %c : i1
  } -> tensor<2x3xf32>, tensor<2x3xi64>
  return %0#0, %0#1 : tensor<2x3xf32>, tensor<2x3xi64>
}

// -----

// scatter: each index tuple is checked against outs (the slice's extent
// included); tuples outside are skipped, counted and reported through the
// run-time check state.
// CHECK-LABEL: module attributes {moe.check_messages = ["tm_tensor.scatter at {{.*}}loops.mlir:{{[0-9]+}}:{{[0-9]+}}: index tuples outside outs|update"]}
// CHECK: memref.global "public" @moe_check_state
// CHECK-LABEL: func.func @scatter
// CHECK-NOT: tm_tensor.
// CHECK: %[[R:.*]]:4 = scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (tensor<6x4xf32>, index, index, index)
// CHECK:   arith.cmpi sge
// CHECK:   arith.cmpi sle
// CHECK:   scf.if %{{.*}} -> (tensor<6x4xf32>)
// CHECK:     scf.for
// CHECK:       arith.addf
// CHECK: memref.get_global @moe_check_state
// CHECK: return %[[R]]#0
func.func @scatter(%orig: tensor<6x4xf32>, %upd: tensor<?x4xf32>, %idx: tensor<?x1xi64>) -> tensor<6x4xf32> {
  %0 = tm_tensor.scatter {dimension_map = array<i64: 0>} unique_indices(false) ins(%upd, %idx : tensor<?x4xf32>, tensor<?x1xi64>) outs(%orig : tensor<6x4xf32>) {
  ^bb0(%u: f32, %o: f32):
    %s = arith.addf %o, %u : f32
    tm_tensor.yield %s : f32
  } -> tensor<6x4xf32>
  return %0 : tensor<6x4xf32>
}

// -----

// A sort with ins has no loop lowering: a diagnostic, not ignored operands.
func.func @sort_with_ins(%k: tensor<8xf32>, %x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'tm_tensor.sort' op with ins has no loop lowering (expected the sorted tensors in outs only, as torch-mlir writes them)}}
  %0 = tm_tensor.sort dimension(0) ins(%k : tensor<8xf32>) outs(%x : tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32):
    %c = arith.cmpf ogt, %a, %b : f32
    tm_tensor.yield %c : i1
  } -> tensor<8xf32>
  return %0 : tensor<8xf32>
}
