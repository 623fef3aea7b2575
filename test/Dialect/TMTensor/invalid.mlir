// RUN: moe-opt %s -split-input-file -verify-diagnostics

func.func @sort_dimension(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'tm_tensor.sort' op expected 'dimension' in [0, 2) (the rank of outs), got 2}}
  %0 = tm_tensor.sort dimension(2) outs(%x : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32):
    %c = arith.cmpf oge, %a, %b : f32
    tm_tensor.yield %c : i1
  } -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @sort_shapes(%x: tensor<4x8xf32>, %i: tensor<4x7xi64>) {
  // expected-error @+1 {{'tm_tensor.sort' op expected every tensor in outs of the shape of the first ('tensor<4x8xf32>'), got 'tensor<4x7xi64>'}}
  %0:2 = tm_tensor.sort dimension(1) outs(%x, %i : tensor<4x8xf32>, tensor<4x7xi64>) {
  ^bb0(%a: f32, %b: f32, %c: i64, %d: i64):
    %e = arith.cmpf oge, %a, %b : f32
    tm_tensor.yield %e : i1
  } -> tensor<4x8xf32>, tensor<4x7xi64>
  return
}

// -----

func.func @sort_region_args(%x: tensor<4x8xf32>, %i: tensor<4x8xi64>) {
  // expected-error @+1 {{'tm_tensor.sort' op expected the region to take ('f32', 'f32', 'i64', 'i64') (two elements of each tensor in outs), got ('f32', 'f32')}}
  %0:2 = tm_tensor.sort dimension(1) outs(%x, %i : tensor<4x8xf32>, tensor<4x8xi64>) {
  ^bb0(%a: f32, %b: f32):
    %e = arith.cmpf oge, %a, %b : f32
    tm_tensor.yield %e : i1
  } -> tensor<4x8xf32>, tensor<4x8xi64>
  return
}

// -----

func.func @sort_yield(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'tm_tensor.sort' op expected the region to yield one 'i1', got ('f32')}}
  %0 = tm_tensor.sort dimension(1) outs(%x : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32):
    tm_tensor.yield %a : f32
  } -> tensor<4x8xf32>
  return
}

// -----

func.func @sort_results(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'tm_tensor.sort' op expected results of the types of outs ('tensor<4x8xf32>'), got ('tensor<4x8xf16>')}}
  %0 = tm_tensor.sort dimension(1) outs(%x : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32):
    %c = arith.cmpf oge, %a, %b : f32
    tm_tensor.yield %c : i1
  } -> tensor<4x8xf16>
  return
}

// -----

func.func @scatter_operands(%orig: tensor<8xf32>, %upd: tensor<3xf32>) {
  // expected-error @+1 {{'tm_tensor.scatter' op expected ins (updates, indices) and outs (original), got 1 and 1}}
  %0 = tm_tensor.scatter {dimension_map = array<i64: 0>} unique_indices(true) ins(%upd : tensor<3xf32>) outs(%orig : tensor<8xf32>) {
  ^bb0(%u: f32, %o: f32):
    tm_tensor.yield %u : f32
  } -> tensor<8xf32>
  return
}

// -----

func.func @scatter_tuples(%orig: tensor<8x4xf32>, %upd: tensor<3xf32>, %idx: tensor<3x1xi64>) {
  // expected-error @+1 {{'tm_tensor.scatter' op expected index tuples of 2 (the size of dimension_map), got 1}}
  %0 = tm_tensor.scatter {dimension_map = array<i64: 0, 1>} unique_indices(false) ins(%upd, %idx : tensor<3xf32>, tensor<3x1xi64>) outs(%orig : tensor<8x4xf32>) {
  ^bb0(%u: f32, %o: f32):
    tm_tensor.yield %u : f32
  } -> tensor<8x4xf32>
  return
}

// -----

func.func @scatter_map(%orig: tensor<8xf32>, %upd: tensor<3xf32>, %idx: tensor<3x1xi64>) {
  // expected-error @+1 {{'tm_tensor.scatter' op expected dimension_map entries in [0, 1) (the rank of outs), got 1}}
  %0 = tm_tensor.scatter {dimension_map = array<i64: 1>} unique_indices(false) ins(%upd, %idx : tensor<3xf32>, tensor<3x1xi64>) outs(%orig : tensor<8xf32>) {
  ^bb0(%u: f32, %o: f32):
    tm_tensor.yield %u : f32
  } -> tensor<8xf32>
  return
}

// -----

func.func @scatter_region(%orig: tensor<8xf32>, %upd: tensor<3xf16>, %idx: tensor<3x1xi64>) {
  // expected-error @+1 {{'tm_tensor.scatter' op expected the region to take ('f16', 'f32') (update, original), got ('f32', 'f32')}}
  %0 = tm_tensor.scatter {dimension_map = array<i64: 0>} unique_indices(false) ins(%upd, %idx : tensor<3xf16>, tensor<3x1xi64>) outs(%orig : tensor<8xf32>) {
  ^bb0(%u: f32, %o: f32):
    tm_tensor.yield %u : f32
  } -> tensor<8xf32>
  return
}

// -----

func.func @topk_indices(%x: tensor<4x64xf32>, %v: tensor<4x8xf32>, %i: tensor<4x8xf32>) {
  // expected-error @+1 {{'tm_tensor.topk' op expected i32 or i64 indices, got 'f32'}}
  %0:2 = tm_tensor.topk dimension(1) ins(%x : tensor<4x64xf32>) outs(%v, %i : tensor<4x8xf32>, tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32):
    %c = arith.cmpf ogt, %a, %b : f32
    tm_tensor.yield %c : i1
  } -> tensor<4x8xf32>, tensor<4x8xf32>
  return
}

// -----

func.func @yield_outside(%x: f32) {
  // expected-error @+1 {{'tm_tensor.yield' op expects parent op to be one of 'tm_tensor.sort, tm_tensor.scatter, tm_tensor.topk'}}
  tm_tensor.yield %x : f32
}

// -----

func.func @sort_empty_region(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'tm_tensor.sort' op expected the region to end in tm_tensor.yield, got an empty block}}
  %0 = tm_tensor.sort dimension(1) outs(%x : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32):
  } -> tensor<4x8xf32>
  return
}

// -----

func.func @scatter_no_yield(%orig: tensor<8xf32>, %upd: tensor<3xf32>, %idx: tensor<3x1xi64>) {
  // expected-error @+1 {{'tm_tensor.scatter' op expected the region to end in tm_tensor.yield, got func.return}}
  %0 = tm_tensor.scatter {dimension_map = array<i64: 0>} unique_indices(false) ins(%upd, %idx : tensor<3xf32>, tensor<3x1xi64>) outs(%orig : tensor<8xf32>) {
  ^bb0(%u: f32, %o: f32):
    func.return
  } -> tensor<8xf32>
  return
}

// -----

func.func @scatter_rank0_updates(%orig: tensor<8xf32>, %upd: tensor<f32>, %idx: tensor<3x1xi64>) {
  // expected-error @+1 {{'tm_tensor.scatter' op expected updates of rank 1 to 2 ([N, slice...], the slice at most the rank of outs), got 'tensor<f32>'}}
  %0 = tm_tensor.scatter {dimension_map = array<i64: 0>} unique_indices(false) ins(%upd, %idx : tensor<f32>, tensor<3x1xi64>) outs(%orig : tensor<8xf32>) {
  ^bb0(%u: f32, %o: f32):
    tm_tensor.yield %u : f32
  } -> tensor<8xf32>
  return
}

// -----

func.func @scatter_tuple_count(%orig: tensor<8xf32>, %upd: tensor<4xf32>, %idx: tensor<3x1xi64>) {
  // expected-error @+1 {{'tm_tensor.scatter' op expected as many index tuples as updates (4), got 3}}
  %0 = tm_tensor.scatter {dimension_map = array<i64: 0>} unique_indices(false) ins(%upd, %idx : tensor<4xf32>, tensor<3x1xi64>) outs(%orig : tensor<8xf32>) {
  ^bb0(%u: f32, %o: f32):
    tm_tensor.yield %u : f32
  } -> tensor<8xf32>
  return
}

// -----

func.func @topk_rows(%x: tensor<4x64xf32>, %v: tensor<3x8xf32>, %i: tensor<3x8xi64>) {
  // expected-error @+1 {{'tm_tensor.topk' op expected dim 0 of outs to be 4 like ins, got 3}}
  %0:2 = tm_tensor.topk dimension(1) ins(%x : tensor<4x64xf32>) outs(%v, %i : tensor<3x8xf32>, tensor<3x8xi64>) {
  ^bb0(%a: f32, %b: f32):
    %c = arith.cmpf ogt, %a, %b : f32
    tm_tensor.yield %c : i1
  } -> tensor<3x8xf32>, tensor<3x8xi64>
  return
}
