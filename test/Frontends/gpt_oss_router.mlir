// Hugging Face gpt-oss's router (transformers 5.17, GptOssTopKRouter):
// F.linear with bias, topk(4) of the logits, then softmax over the 4 values
// (dtype = the logits' bf16), here with E=16, H=64, T dynamic, in the forms
// torch-mlir emits: linalg.transpose + linalg.matmul with an f32
// accumulator + truncf (ConvertAtenMmOp), the bias add broadcast along rows,
// iota + tm_tensor.sort oge of the bf16 logits + two slices
// (DecomposeAtenTopkOp, ConvertAtenSortOp), and the softmax decomposed in
// f32 between a widening and a rounding (DecomposeAtenSoftmaxIntOp,
// getSoftmaxResult's conversions to the accumulator type and back).
// Top-k then softmax equals moe.gate's softmax with renormalize; the weights
// are rounded back to bf16. The whole layer, experts included, is
// test/Frontends/gpt_oss_moe.mlir.
// RUN: moe-opt --moe-raise-linalg %s | FileCheck %s
// RUN: moe-compile --raise-linalg=false %s -o %t.unraised.so
// RUN: moe-compile %s -o %t.raised.so
// RUN: %python %S/compare_routers.py --moe-run moe-run --entry gpt_oss_router --dims 1,5,32,100 %t.unraised.so %t.raised.so | FileCheck %s --check-prefix=SAME
// SAME-NOT: FAIL
// SAME: {{^[0-9]+}} passed, 0 failed

// CHECK-LABEL: func.func @gpt_oss_router
// CHECK: %[[LOGITS:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<?x16xbf16>, tensor<16xbf16>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.addf
// CHECK: %[[W:.*]], %[[IDS:.*]] = moe.gate %[[LOGITS]] top_k 4 softmax renormalize
// CHECK-NOT: tm_tensor.sort
// CHECK-NOT: math.exp
// CHECK-DAG: %[[IDS64:.*]] = linalg.generic {{.*}} ins(%[[IDS]] : tensor<?x4xi32>)
// CHECK-DAG: %[[W16:.*]] = linalg.generic {{.*}} ins(%[[W]] : tensor<?x4xf32>)
// CHECK: return %[[W16]], %[[IDS64]]
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0, 0)>
#rowd = affine_map<(d0, d1) -> (d0)>
#col = affine_map<(d0, d1) -> (d1)>
module {
  func.func @gpt_oss_router(%x: tensor<?x64xbf16>, %router_w: tensor<16x64xbf16>, %router_b: tensor<16xbf16>) -> (tensor<?x4xbf16>, tensor<?x4xi64>) {
    %c0 = arith.constant 0 : index
    %zero = arith.constant 0.000000e+00 : f32
    %ninf = arith.constant 0xFF800000 : f32
    %c0_i64 = arith.constant 0 : i64
    %t = tensor.dim %x, %c0 : tensor<?x64xbf16>
    %e_t = tensor.empty() : tensor<64x16xbf16>
    %wt = linalg.transpose ins(%router_w : tensor<16x64xbf16>) outs(%e_t : tensor<64x16xbf16>) permutation = [1, 0]
    %e_l = tensor.empty(%t) : tensor<?x16xf32>
    %z_l = linalg.fill ins(%zero : f32) outs(%e_l : tensor<?x16xf32>) -> tensor<?x16xf32>
    %mm = linalg.matmul ins(%x, %wt : tensor<?x64xbf16>, tensor<64x16xbf16>) outs(%z_l : tensor<?x16xf32>) -> tensor<?x16xf32>
    %e_lb = tensor.empty(%t) : tensor<?x16xbf16>
    %mmb = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%mm : tensor<?x16xf32>) outs(%e_lb : tensor<?x16xbf16>) {
    ^bb0(%in: f32, %out: bf16):
      %0 = arith.truncf %in : f32 to bf16
      linalg.yield %0 : bf16
    } -> tensor<?x16xbf16>
    %logits = linalg.generic {indexing_maps = [#id2, #col, #id2], iterator_types = ["parallel", "parallel"]} ins(%mmb, %router_b : tensor<?x16xbf16>, tensor<16xbf16>) outs(%e_lb : tensor<?x16xbf16>) {
    ^bb0(%in: bf16, %in_0: bf16, %out: bf16):
      %0 = arith.addf %in, %in_0 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x16xbf16>
    %e_io = tensor.empty(%t) : tensor<?x16xi64>
    %iota = linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]} outs(%e_io : tensor<?x16xi64>) {
    ^bb0(%out: i64):
      %0 = linalg.index 1 : index
      %1 = arith.index_cast %0 : index to i64
      linalg.yield %1 : i64
    } -> tensor<?x16xi64>
    %sorted:2 = tm_tensor.sort dimension(1) outs(%logits, %iota : tensor<?x16xbf16>, tensor<?x16xi64>) {
    ^bb0(%a: bf16, %b: bf16, %ia: i64, %ib: i64):
      %0 = arith.cmpf oge, %a, %b : bf16
      tm_tensor.yield %0 : i1
    } -> tensor<?x16xbf16>, tensor<?x16xi64>
    %top_v = tensor.extract_slice %sorted#0[0, 0] [%t, 4] [1, 1] : tensor<?x16xbf16> to tensor<?x4xbf16>
    %top_i = tensor.extract_slice %sorted#1[0, 0] [%t, 4] [1, 1] : tensor<?x16xi64> to tensor<?x4xi64>
    %e_k = tensor.empty(%t) : tensor<?x4xf32>
    %v32 = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%top_v : tensor<?x4xbf16>) outs(%e_k : tensor<?x4xf32>) {
    ^bb0(%in: bf16, %out: f32):
      %0 = arith.extf %in : bf16 to f32
      linalg.yield %0 : f32
    } -> tensor<?x4xf32>
    %e_v = tensor.empty(%t) : tensor<?xf32>
    %f_v = linalg.fill ins(%ninf : f32) outs(%e_v : tensor<?xf32>) -> tensor<?xf32>
    %e_i = tensor.empty(%t) : tensor<?xi64>
    %f_i = linalg.fill ins(%c0_i64 : i64) outs(%e_i : tensor<?xi64>) -> tensor<?xi64>
    %mx:2 = linalg.generic {indexing_maps = [#id2, #rowd, #rowd], iterator_types = ["parallel", "reduction"]} ins(%v32 : tensor<?x4xf32>) outs(%f_v, %f_i : tensor<?xf32>, tensor<?xi64>) {
    ^bb0(%in: f32, %out: f32, %out_0: i64):
      %0 = linalg.index 1 : index
      %1 = arith.index_cast %0 : index to i64
      %2 = arith.maximumf %in, %out : f32
      %3 = arith.cmpf ogt, %in, %out : f32
      %4 = arith.select %3, %1, %out_0 : i64
      linalg.yield %2, %4 : f32, i64
    } -> (tensor<?xf32>, tensor<?xi64>)
    %mk = tensor.expand_shape %mx#0 [[0, 1]] output_shape [%t, 1] : tensor<?xf32> into tensor<?x1xf32>
    %sub = linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]} ins(%v32, %mk : tensor<?x4xf32>, tensor<?x1xf32>) outs(%e_k : tensor<?x4xf32>) {
    ^bb0(%in: f32, %in_0: f32, %out: f32):
      %0 = arith.subf %in, %in_0 : f32
      linalg.yield %0 : f32
    } -> tensor<?x4xf32>
    %exp = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%sub : tensor<?x4xf32>) outs(%e_k : tensor<?x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %0 = math.exp %in : f32
      linalg.yield %0 : f32
    } -> tensor<?x4xf32>
    %e_r = tensor.empty(%t) : tensor<?x1xf32>
    %z_r = linalg.fill ins(%zero : f32) outs(%e_r : tensor<?x1xf32>) -> tensor<?x1xf32>
    %esum = linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]} ins(%exp : tensor<?x4xf32>) outs(%z_r : tensor<?x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %0 = arith.addf %in, %out : f32
      linalg.yield %0 : f32
    } -> tensor<?x1xf32>
    %probs = linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]} ins(%exp, %esum : tensor<?x4xf32>, tensor<?x1xf32>) outs(%e_k : tensor<?x4xf32>) {
    ^bb0(%in: f32, %in_0: f32, %out: f32):
      %0 = arith.divf %in, %in_0 : f32
      linalg.yield %0 : f32
    } -> tensor<?x4xf32>
    %e_wb = tensor.empty(%t) : tensor<?x4xbf16>
    %weights = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%probs : tensor<?x4xf32>) outs(%e_wb : tensor<?x4xbf16>) {
    ^bb0(%in: f32, %out: bf16):
      %0 = arith.truncf %in : f32 to bf16
      linalg.yield %0 : bf16
    } -> tensor<?x4xbf16>
    return %weights, %top_i : tensor<?x4xbf16>, tensor<?x4xi64>
  }
}
