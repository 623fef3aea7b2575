// RUN: moe-opt %s -split-input-file | FileCheck %s
// RUN: moe-opt %s -split-input-file | moe-opt -split-input-file | FileCheck %s

// The top-k of torch-mlir's linalg-on-tensors output for aten.topk (k = 5):
// an iota of indices, tm_tensor.sort, then two slices.
// CHECK-LABEL: func.func @topk_as_sort
// CHECK: %[[S:.*]]:2 = tm_tensor.sort dimension(1) outs(%{{.*}}, %{{.*}} : tensor<128x128xf32>, tensor<128x128xi64>) {
// CHECK: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %{{.*}}: i64, %{{.*}}: i64):
// CHECK:   %[[C:.*]] = arith.cmpf oge, %[[A]], %[[B]] : f32
// CHECK:   tm_tensor.yield %[[C]] : i1
// CHECK: } -> tensor<128x128xf32>, tensor<128x128xi64>
// CHECK: tensor.extract_slice %[[S]]#1[0, 0] [128, 5] [1, 1]
func.func @topk_as_sort(%arg0: tensor<128x128xf32>) -> (tensor<128x5xf32>, tensor<128x5xi64>) {
  %0 = tensor.empty() : tensor<128x128xi64>
  %1 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} outs(%0 : tensor<128x128xi64>) {
  ^bb0(%out: i64):
    %3 = linalg.index 1 : index
    %4 = arith.index_cast %3 : index to i64
    linalg.yield %4 : i64
  } -> tensor<128x128xi64>
  %2:2 = tm_tensor.sort dimension(1) outs(%arg0, %1 : tensor<128x128xf32>, tensor<128x128xi64>) {
  ^bb0(%arg2: f32, %arg3: f32, %arg4: i64, %arg5: i64):
    %3 = arith.cmpf oge, %arg2, %arg3 : f32
    tm_tensor.yield %3 : i1
  } -> tensor<128x128xf32>, tensor<128x128xi64>
  %extracted_slice = tensor.extract_slice %2#0[0, 0] [128, 5] [1, 1] : tensor<128x128xf32> to tensor<128x5xf32>
  %extracted_slice_0 = tensor.extract_slice %2#1[0, 0] [128, 5] [1, 1] : tensor<128x128xi64> to tensor<128x5xi64>
  return %extracted_slice, %extracted_slice_0 : tensor<128x5xf32>, tensor<128x5xi64>
}

// -----

// scatter_add / index_put with accumulate: an addf region; dynamic updates.
// CHECK-LABEL: func.func @scatter_add
// CHECK: tm_tensor.scatter {dimension_map = array<i64: 0, 1, 2>} unique_indices(false) ins(%{{.*}}, %{{.*}} : tensor<?xf32>, tensor<?x3xi64>) outs(%{{.*}} : tensor<10x8x6xf32>) {
// CHECK: ^bb0(%[[U:.*]]: f32, %[[O:.*]]: f32):
// CHECK:   %[[S:.*]] = arith.addf %[[O]], %[[U]] : f32
// CHECK:   tm_tensor.yield %[[S]] : f32
// CHECK: } -> tensor<10x8x6xf32>
func.func @scatter_add(%orig: tensor<10x8x6xf32>, %upd: tensor<?xf32>, %idx: tensor<?x3xi64>) -> tensor<10x8x6xf32> {
  %0 = tm_tensor.scatter {dimension_map = array<i64: 0, 1, 2>} unique_indices(false) ins(%upd, %idx : tensor<?xf32>, tensor<?x3xi64>) outs(%orig : tensor<10x8x6xf32>) {
  ^bb0(%arg3: f32, %arg4: f32):
    %1 = arith.addf %arg4, %arg3 : f32
    tm_tensor.yield %1 : f32
  } -> tensor<10x8x6xf32>
  return %0 : tensor<10x8x6xf32>
}

// -----

// A plain scatter (the update replaces the element), i32 indices.
// CHECK-LABEL: func.func @scatter_replace
// CHECK: tm_tensor.scatter {dimension_map = array<i64: 0>} unique_indices(true) ins(%{{.*}}, %{{.*}} : tensor<3xi32>, tensor<3x1xi32>) outs(%{{.*}} : tensor<8xi32>)
// CHECK: tm_tensor.yield %{{.*}} : i32
func.func @scatter_replace(%original: tensor<8xi32>, %updates: tensor<3xi32>, %indices: tensor<3x1xi32>) -> tensor<8xi32> {
  %0 = tm_tensor.scatter {dimension_map = array<i64: 0>} unique_indices(true) ins(%updates, %indices : tensor<3xi32>, tensor<3x1xi32>) outs(%original : tensor<8xi32>) {
  ^bb0(%update: i32, %orig: i32):
    tm_tensor.yield %update : i32
  } -> tensor<8xi32>
  return %0 : tensor<8xi32>
}

// -----

// topk (torch-mlir's kthvalue lowering): k best values and their indices.
// CHECK-LABEL: func.func @topk
// CHECK: %{{.*}}:2 = tm_tensor.topk dimension(1) ins(%{{.*}} : tensor<4x64xf32>) outs(%{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<4x8xi64>) {
// CHECK: tm_tensor.yield %{{.*}} : i1
// CHECK: } -> tensor<4x8xf32>, tensor<4x8xi64>
func.func @topk(%x: tensor<4x64xf32>, %v: tensor<4x8xf32>, %i: tensor<4x8xi64>) -> (tensor<4x8xf32>, tensor<4x8xi64>) {
  %0:2 = tm_tensor.topk dimension(1) ins(%x : tensor<4x64xf32>) outs(%v, %i : tensor<4x8xf32>, tensor<4x8xi64>) {
  ^bb0(%a: f32, %b: f32):
    %c = arith.cmpf ogt, %a, %b : f32
    tm_tensor.yield %c : i1
  } -> tensor<4x8xf32>, tensor<4x8xi64>
  return %0#0, %0#1 : tensor<4x8xf32>, tensor<4x8xi64>
}
