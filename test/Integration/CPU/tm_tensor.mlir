// The tm_tensor loop lowering (--convert-tm-tensor-to-loops, which
// moe-compile --target=cpu runs first) against numpy: aten.topk as
// torch-mlir lowers it (iota + tm_tensor.sort with oge + slices), a strict
// descending sort (stable: ties keep their order), tm_tensor.topk into
// -inf/0 outs, scatter_add (index_put with accumulate) of rows and of
// single elements, and a replacing scatter; an index tuple outside outs is
// a run-time check failure.
// RUN: moe-compile %s -o %t.so
// RUN: %python %S/check_tm_tensor.py --lib %t.so --moe-run moe-run | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: {{^[0-9]+}} passed, 0 failed
module {
  func.func @topk_as_sort(%x: tensor<?x16xf32>) -> (tensor<?x4xf32>, tensor<?x4xi64>) {
    %c0 = arith.constant 0 : index
    %t = tensor.dim %x, %c0 : tensor<?x16xf32>
    %0 = tensor.empty(%t) : tensor<?x16xi64>
    %1 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} outs(%0 : tensor<?x16xi64>) {
    ^bb0(%out: i64):
      %3 = linalg.index 1 : index
      %4 = arith.index_cast %3 : index to i64
      linalg.yield %4 : i64
    } -> tensor<?x16xi64>
    %2:2 = tm_tensor.sort dimension(1) outs(%x, %1 : tensor<?x16xf32>, tensor<?x16xi64>) {
    ^bb0(%a: f32, %b: f32, %i: i64, %j: i64):
      %3 = arith.cmpf oge, %a, %b : f32
      tm_tensor.yield %3 : i1
    } -> tensor<?x16xf32>, tensor<?x16xi64>
    %v = tensor.extract_slice %2#0[0, 0] [%t, 4] [1, 1] : tensor<?x16xf32> to tensor<?x4xf32>
    %i = tensor.extract_slice %2#1[0, 0] [%t, 4] [1, 1] : tensor<?x16xi64> to tensor<?x4xi64>
    return %v, %i : tensor<?x4xf32>, tensor<?x4xi64>
  }

  // Sorts along dim 0 with a strict order on the values only: equal values
  // keep the order of their indices.
  func.func @sort_stable(%x: tensor<12x3xf32>, %ids: tensor<12x3xi32>) -> (tensor<12x3xf32>, tensor<12x3xi32>) {
    %0:2 = tm_tensor.sort dimension(0) outs(%x, %ids : tensor<12x3xf32>, tensor<12x3xi32>) {
    ^bb0(%a: f32, %b: f32, %i: i32, %j: i32):
      %c = arith.cmpf ogt, %a, %b : f32
      tm_tensor.yield %c : i1
    } -> tensor<12x3xf32>, tensor<12x3xi32>
    return %0#0, %0#1 : tensor<12x3xf32>, tensor<12x3xi32>
  }

  func.func @topk(%x: tensor<?x20xf32>, %v: tensor<?x5xf32>, %i: tensor<?x5xi64>) -> (tensor<?x5xf32>, tensor<?x5xi64>) {
    %0:2 = tm_tensor.topk dimension(1) ins(%x : tensor<?x20xf32>) outs(%v, %i : tensor<?x5xf32>, tensor<?x5xi64>) {
    ^bb0(%a: f32, %b: f32):
      %c = arith.cmpf ogt, %a, %b : f32
      tm_tensor.yield %c : i1
    } -> tensor<?x5xf32>, tensor<?x5xi64>
    return %0#0, %0#1 : tensor<?x5xf32>, tensor<?x5xi64>
  }

  // index_add of rows: update i (a row of 4) adds to row idx[i] of outs.
  func.func @scatter_rows(%orig: tensor<6x4xf32>, %upd: tensor<?x4xf32>, %idx: tensor<?x1xi64>) -> tensor<6x4xf32> {
    %0 = tm_tensor.scatter {dimension_map = array<i64: 0>} unique_indices(false) ins(%upd, %idx : tensor<?x4xf32>, tensor<?x1xi64>) outs(%orig : tensor<6x4xf32>) {
    ^bb0(%u: f32, %o: f32):
      %s = arith.addf %o, %u : f32
      tm_tensor.yield %s : f32
    } -> tensor<6x4xf32>
    return %0 : tensor<6x4xf32>
  }

  // index_put with accumulate on single elements (bf16 outs).
  func.func @scatter_elements(%orig: tensor<5x7xbf16>, %upd: tensor<?xbf16>, %idx: tensor<?x2xi32>) -> tensor<5x7xbf16> {
    %0 = tm_tensor.scatter {dimension_map = array<i64: 0, 1>} unique_indices(false) ins(%upd, %idx : tensor<?xbf16>, tensor<?x2xi32>) outs(%orig : tensor<5x7xbf16>) {
    ^bb0(%u: bf16, %o: bf16):
      %s = arith.addf %o, %u : bf16
      tm_tensor.yield %s : bf16
    } -> tensor<5x7xbf16>
    return %0 : tensor<5x7xbf16>
  }

  // A replacing scatter (the update is the new element).
  func.func @scatter_replace(%orig: tensor<8xi32>, %upd: tensor<3xi32>, %idx: tensor<3x1xi32>) -> tensor<8xi32> {
    %0 = tm_tensor.scatter {dimension_map = array<i64: 0>} unique_indices(true) ins(%upd, %idx : tensor<3xi32>, tensor<3x1xi32>) outs(%orig : tensor<8xi32>) {
    ^bb0(%u: i32, %o: i32):
      tm_tensor.yield %u : i32
    } -> tensor<8xi32>
    return %0 : tensor<8xi32>
  }
}
