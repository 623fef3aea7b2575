// A softmax top-2 router (Qwen3-MoE's, with norm_topk_prob) whose top-k is
// one tm_tensor.topk instead of torch-mlir's iota + tm_tensor.sort + two
// slices (DecomposeAtenTopkOp). torch-mlir builds tm_tensor.topk in
// TorchToTMTensor.cpp's createTMTensorTopkOp (for aten.kthvalue): the
// comparator `arith.cmpf ogt` of the candidate and the kept value (isEqual
// false: equal values do not swap), outs filled with the numeric limit
// (-inf for the largest). E=8, k=2, T dynamic.
// - topk_router: raised to `moe.gate top_k 2 softmax renormalize`;
// - topk_router_oge: `cmpf oge` puts the later of equal scores first, which
//   moe.gate does not do: not raised, with that reason.
// RUN: moe-opt --moe-raise-linalg %s | FileCheck %s
// RUN: moe-opt --moe-raise-linalg=report -mlir-print-op-on-diagnostic=false %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: moe-compile --raise-linalg=false %s -o %t.unraised.so
// RUN: moe-compile %s -o %t.raised.so
// RUN: %python %S/compare_routers.py --moe-run moe-run --entry topk_router --dims 1,5,32,100 %t.unraised.so %t.raised.so | FileCheck %s --check-prefix=SAME
// SAME-NOT: FAIL
// SAME: {{^[0-9]+}} passed, 0 failed

// REPORT-DAG: remark: router raised to moe.gate top_k 2 softmax renormalize
// REPORT-DAG: remark: router not raised: the comparator does not put strictly greater scores first (expected 'arith.cmpf ogt' of the candidate and the kept value: with 'oge' equal scores end up later index first, which moe.gate does not do)

// CHECK-LABEL: func.func @topk_router
// CHECK-SAME: (%[[LOGITS:.*]]: tensor<?x8xbf16>)
// CHECK: %[[W:.*]], %[[IDS:.*]] = moe.gate %[[LOGITS]] top_k 2 softmax renormalize
// CHECK-NOT: tm_tensor.topk
// CHECK-NOT: math.exp
// CHECK: %[[IDS64:.*]] = linalg.generic {{.*}} ins(%[[IDS]] : tensor<?x2xi32>)
// CHECK: return %[[W]], %[[IDS64]]
// CHECK-LABEL: func.func @topk_router_oge
// CHECK-NOT: moe.gate
// CHECK: tm_tensor.topk
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0, 0)>
#rowd = affine_map<(d0, d1) -> (d0)>
module {
  func.func @topk_router(%logits: tensor<?x8xbf16>) -> (tensor<?x2xf32>, tensor<?x2xi64>) {
    %c0 = arith.constant 0 : index
    %zero = arith.constant 0.000000e+00 : f32
    %ninf = arith.constant 0xFF800000 : f32
    %c0_i64 = arith.constant 0 : i64
    %t = tensor.dim %logits, %c0 : tensor<?x8xbf16>
    %e_l = tensor.empty(%t) : tensor<?x8xf32>
    %e_r = tensor.empty(%t) : tensor<?x1xf32>
    %z_r = linalg.fill ins(%zero : f32) outs(%e_r : tensor<?x1xf32>) -> tensor<?x1xf32>
    %xf = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%logits : tensor<?x8xbf16>) outs(%e_l : tensor<?x8xf32>) {
    ^bb0(%in: bf16, %out: f32):
      %0 = arith.extf %in : bf16 to f32
      linalg.yield %0 : f32
    } -> tensor<?x8xf32>
    %e_v = tensor.empty(%t) : tensor<?xf32>
    %f_v = linalg.fill ins(%ninf : f32) outs(%e_v : tensor<?xf32>) -> tensor<?xf32>
    %e_i = tensor.empty(%t) : tensor<?xi64>
    %f_i = linalg.fill ins(%c0_i64 : i64) outs(%e_i : tensor<?xi64>) -> tensor<?xi64>
    %mx:2 = linalg.generic {indexing_maps = [#id2, #rowd, #rowd], iterator_types = ["parallel", "reduction"]} ins(%xf : tensor<?x8xf32>) outs(%f_v, %f_i : tensor<?xf32>, tensor<?xi64>) {
    ^bb0(%in: f32, %out: f32, %out_0: i64):
      %0 = linalg.index 1 : index
      %1 = arith.index_cast %0 : index to i64
      %2 = arith.maximumf %in, %out : f32
      %3 = arith.cmpf ogt, %in, %out : f32
      %4 = arith.select %3, %1, %out_0 : i64
      linalg.yield %2, %4 : f32, i64
    } -> (tensor<?xf32>, tensor<?xi64>)
    %mk = tensor.expand_shape %mx#0 [[0, 1]] output_shape [%t, 1] : tensor<?xf32> into tensor<?x1xf32>
    %sub = linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]} ins(%xf, %mk : tensor<?x8xf32>, tensor<?x1xf32>) outs(%e_l : tensor<?x8xf32>) {
    ^bb0(%in: f32, %in_0: f32, %out: f32):
      %0 = arith.subf %in, %in_0 : f32
      linalg.yield %0 : f32
    } -> tensor<?x8xf32>
    %exp = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%sub : tensor<?x8xf32>) outs(%e_l : tensor<?x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      %0 = math.exp %in : f32
      linalg.yield %0 : f32
    } -> tensor<?x8xf32>
    %esum = linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]} ins(%exp : tensor<?x8xf32>) outs(%z_r : tensor<?x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %0 = arith.addf %in, %out : f32
      linalg.yield %0 : f32
    } -> tensor<?x1xf32>
    %probs = linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]} ins(%exp, %esum : tensor<?x8xf32>, tensor<?x1xf32>) outs(%e_l : tensor<?x8xf32>) {
    ^bb0(%in: f32, %in_0: f32, %out: f32):
      %0 = arith.divf %in, %in_0 : f32
      linalg.yield %0 : f32
    } -> tensor<?x8xf32>
    %e_k = tensor.empty(%t) : tensor<?x2xf32>
    %top0 = linalg.fill ins(%ninf : f32) outs(%e_k : tensor<?x2xf32>) -> tensor<?x2xf32>
    %e_ki = tensor.empty(%t) : tensor<?x2xi64>
    %ids0 = linalg.fill ins(%c0_i64 : i64) outs(%e_ki : tensor<?x2xi64>) -> tensor<?x2xi64>
    %top:2 = tm_tensor.topk dimension(1) ins(%probs : tensor<?x8xf32>) outs(%top0, %ids0 : tensor<?x2xf32>, tensor<?x2xi64>) {
    ^bb0(%a: f32, %b: f32):
      %0 = arith.cmpf ogt, %a, %b : f32
      tm_tensor.yield %0 : i1
    } -> tensor<?x2xf32>, tensor<?x2xi64>
    %vsum = linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]} ins(%top#0 : tensor<?x2xf32>) outs(%z_r : tensor<?x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %0 = arith.addf %in, %out : f32
      linalg.yield %0 : f32
    } -> tensor<?x1xf32>
    %weights = linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]} ins(%top#0, %vsum : tensor<?x2xf32>, tensor<?x1xf32>) outs(%e_k : tensor<?x2xf32>) {
    ^bb0(%in: f32, %in_0: f32, %out: f32):
      %0 = arith.divf %in, %in_0 : f32
      linalg.yield %0 : f32
    } -> tensor<?x2xf32>
    return %weights, %top#1 : tensor<?x2xf32>, tensor<?x2xi64>
  }

  func.func @topk_router_oge(%logits: tensor<?x8xbf16>) -> (tensor<?x2xf32>, tensor<?x2xi64>) {
    %c0 = arith.constant 0 : index
    %zero = arith.constant 0.000000e+00 : f32
    %ninf = arith.constant 0xFF800000 : f32
    %c0_i64 = arith.constant 0 : i64
    %t = tensor.dim %logits, %c0 : tensor<?x8xbf16>
    %e_l = tensor.empty(%t) : tensor<?x8xf32>
    %e_r = tensor.empty(%t) : tensor<?x1xf32>
    %z_r = linalg.fill ins(%zero : f32) outs(%e_r : tensor<?x1xf32>) -> tensor<?x1xf32>
    %xf = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%logits : tensor<?x8xbf16>) outs(%e_l : tensor<?x8xf32>) {
    ^bb0(%in: bf16, %out: f32):
      %0 = arith.extf %in : bf16 to f32
      linalg.yield %0 : f32
    } -> tensor<?x8xf32>
    %e_v = tensor.empty(%t) : tensor<?xf32>
    %f_v = linalg.fill ins(%ninf : f32) outs(%e_v : tensor<?xf32>) -> tensor<?xf32>
    %e_i = tensor.empty(%t) : tensor<?xi64>
    %f_i = linalg.fill ins(%c0_i64 : i64) outs(%e_i : tensor<?xi64>) -> tensor<?xi64>
    %mx:2 = linalg.generic {indexing_maps = [#id2, #rowd, #rowd], iterator_types = ["parallel", "reduction"]} ins(%xf : tensor<?x8xf32>) outs(%f_v, %f_i : tensor<?xf32>, tensor<?xi64>) {
    ^bb0(%in: f32, %out: f32, %out_0: i64):
      %0 = linalg.index 1 : index
      %1 = arith.index_cast %0 : index to i64
      %2 = arith.maximumf %in, %out : f32
      %3 = arith.cmpf ogt, %in, %out : f32
      %4 = arith.select %3, %1, %out_0 : i64
      linalg.yield %2, %4 : f32, i64
    } -> (tensor<?xf32>, tensor<?xi64>)
    %mk = tensor.expand_shape %mx#0 [[0, 1]] output_shape [%t, 1] : tensor<?xf32> into tensor<?x1xf32>
    %sub = linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]} ins(%xf, %mk : tensor<?x8xf32>, tensor<?x1xf32>) outs(%e_l : tensor<?x8xf32>) {
    ^bb0(%in: f32, %in_0: f32, %out: f32):
      %0 = arith.subf %in, %in_0 : f32
      linalg.yield %0 : f32
    } -> tensor<?x8xf32>
    %exp = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%sub : tensor<?x8xf32>) outs(%e_l : tensor<?x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      %0 = math.exp %in : f32
      linalg.yield %0 : f32
    } -> tensor<?x8xf32>
    %esum = linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]} ins(%exp : tensor<?x8xf32>) outs(%z_r : tensor<?x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %0 = arith.addf %in, %out : f32
      linalg.yield %0 : f32
    } -> tensor<?x1xf32>
    %probs = linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]} ins(%exp, %esum : tensor<?x8xf32>, tensor<?x1xf32>) outs(%e_l : tensor<?x8xf32>) {
    ^bb0(%in: f32, %in_0: f32, %out: f32):
      %0 = arith.divf %in, %in_0 : f32
      linalg.yield %0 : f32
    } -> tensor<?x8xf32>
    %e_k = tensor.empty(%t) : tensor<?x2xf32>
    %top0 = linalg.fill ins(%ninf : f32) outs(%e_k : tensor<?x2xf32>) -> tensor<?x2xf32>
    %e_ki = tensor.empty(%t) : tensor<?x2xi64>
    %ids0 = linalg.fill ins(%c0_i64 : i64) outs(%e_ki : tensor<?x2xi64>) -> tensor<?x2xi64>
    %top:2 = tm_tensor.topk dimension(1) ins(%probs : tensor<?x8xf32>) outs(%top0, %ids0 : tensor<?x2xf32>, tensor<?x2xi64>) {
    ^bb0(%a: f32, %b: f32):
      %0 = arith.cmpf oge, %a, %b : f32
      tm_tensor.yield %0 : i1
    } -> tensor<?x2xf32>, tensor<?x2xi64>
    %vsum = linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]} ins(%top#0 : tensor<?x2xf32>) outs(%z_r : tensor<?x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %0 = arith.addf %in, %out : f32
      linalg.yield %0 : f32
    } -> tensor<?x1xf32>
    %weights = linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]} ins(%top#0, %vsum : tensor<?x2xf32>, tensor<?x1xf32>) outs(%e_k : tensor<?x2xf32>) {
    ^bb0(%in: f32, %in_0: f32, %out: f32):
      %0 = arith.divf %in, %in_0 : f32
      linalg.yield %0 : f32
    } -> tensor<?x2xf32>
    return %weights, %top#1 : tensor<?x2xf32>, tensor<?x2xi64>
  }
}
