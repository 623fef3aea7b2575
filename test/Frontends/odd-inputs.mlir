// Inputs --moe-raise-linalg must leave alone without crashing, each with the
// remark of its candidate: a generic on buffers computing rsqrt (no
// candidate: not on tensors), a sum over k of something else than weighted
// routes, an RMSNorm-like rsqrt without an epsilon, a sort of one tensor, and
// a router over f64 logits.
// RUN: moe-opt --moe-raise-linalg=report -mlir-print-op-on-diagnostic=false %s -verify-diagnostics | FileCheck %s
// CHECK-NOT: moe.

#id2 = affine_map<(d0, d1) -> (d0, d1)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#sum1 = affine_map<(d0, d1, d2) -> (d0, d2)>
#row = affine_map<(d0, d1) -> (d0, 0)>
module {
  func.func @buffers(%a: memref<4x8xf32>, %b: memref<4x8xf32>) {
    linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%a : memref<4x8xf32>) outs(%b : memref<4x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      %0 = math.rsqrt %in : f32
      linalg.yield %0 : f32
    }
    return
  }

  func.func @plain_sum(%a: tensor<4x2x8xf32>, %init: tensor<4x8xf32>) -> tensor<4x8xf32> {
    // expected-remark @+1 {{experts not raised: the summed routes are not each multiplied by a routing weight}}
    %0 = linalg.generic {indexing_maps = [#id3, #sum1], iterator_types = ["parallel", "reduction", "parallel"]} ins(%a : tensor<4x2x8xf32>) outs(%init : tensor<4x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      %1 = arith.addf %in, %out : f32
      linalg.yield %1 : f32
    } -> tensor<4x8xf32>
    return %0 : tensor<4x8xf32>
  }

  func.func @rsqrt_only(%a: tensor<4x1xf32>, %init: tensor<4x1xf32>) -> tensor<4x1xf32> {
    // expected-remark @+1 {{RMSNorm not raised: the rsqrt is not of a variance plus a positive constant epsilon}}
    %0 = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<4x1xf32>) outs(%init : tensor<4x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %1 = math.rsqrt %in : f32
      linalg.yield %1 : f32
    } -> tensor<4x1xf32>
    return %0 : tensor<4x1xf32>
  }

  func.func @sort_one(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
    // expected-remark @+1 {{router not raised: expected a sort of two tensors (scores, iota) in outs}}
    %0 = tm_tensor.sort dimension(1) outs(%x : tensor<4x8xf32>) {
    ^bb0(%a: f32, %b: f32):
      %c = arith.cmpf oge, %a, %b : f32
      tm_tensor.yield %c : i1
    } -> tensor<4x8xf32>
    return %0 : tensor<4x8xf32>
  }

  func.func @f64_logits(%x: tensor<4x8xf64>, %e: tensor<4x8xi64>) -> (tensor<4x2xf64>, tensor<4x2xi64>) {
    %iota = linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]} outs(%e : tensor<4x8xi64>) {
    ^bb0(%out: i64):
      %0 = linalg.index 1 : index
      %1 = arith.index_cast %0 : index to i64
      linalg.yield %1 : i64
    } -> tensor<4x8xi64>
    // expected-remark @+1 {{router not raised: the scores are not f32 (moe.gate scores in f32; a narrower score type would round differently), nor logits whose top-k values go through a softmax}}
    %s:2 = tm_tensor.sort dimension(1) outs(%x, %iota : tensor<4x8xf64>, tensor<4x8xi64>) {
    ^bb0(%a: f64, %b: f64, %i: i64, %j: i64):
      %c = arith.cmpf oge, %a, %b : f64
      tm_tensor.yield %c : i1
    } -> tensor<4x8xf64>, tensor<4x8xi64>
    %v = tensor.extract_slice %s#0[0, 0] [4, 2] [1, 1] : tensor<4x8xf64> to tensor<4x2xf64>
    %i = tensor.extract_slice %s#1[0, 0] [4, 2] [1, 1] : tensor<4x8xi64> to tensor<4x2xi64>
    return %v, %i : tensor<4x2xf64>, tensor<4x2xi64>
  }
}
