// Hugging Face DeepSeek-V3's router (transformers 5.17,
// DeepseekV3TopkRouter + get_topk_indices), E=16 experts in G=4 groups,
// topk_group 2, top_k 4, routed_scaling_factor 2.5, norm_topk_prob, H=64,
// T dynamic, in the forms torch-mlir emits. HF calls torch.topk with
// sorted=False, which torch-mlir refuses (DecomposeAtenTopkOp: "sorted value
// arg must be set to True"); this is the same router with sorted top-ks,
// whose order moe.gate also returns. Forms: F.linear(h.float(), W.float())
// (extf generics, linalg.transpose, linalg.matmul in f32), sigmoid, + bias
// (broadcast along rows), view + topk(2) along the last dimension of
// [T, G, E/G] (iota of linalg.index 2, tm_tensor.sort dimension(2)), sum,
// topk(2) of the group scores, zeros_like(...).scatter_(1, idx, 1)
// (aten.scatter.value -> scatter.src of a full-of-1 tensor:
// ConvertAtenScatterOp's flattening generic with remsi/divsi, two
// insert_slices of [N, 1] columns, tm_tensor.scatter yielding the update),
// unsqueeze + expand + reshape of the group mask, .bool() (cmpf une 0),
// ~ (xori true), masked_fill(-inf) as where(mask, -inf, x) with the fill a
// 0-d constant, topk(4), scores.gather(1, ids) (with its two cf.assert bound
// checks), / (sum + 1e-20), * 2.5 (0-d constants).
// Raised: moe.gate ... bias ... sigmoid groups 4 keep 2 gives the ids and
// the gathered weights; the division by sum + 1e-20 and the scaling stay.
// RUN: moe-opt --moe-raise-linalg %s | FileCheck %s
// RUN: moe-opt --moe-raise-linalg=report -mlir-print-op-on-diagnostic=false %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT
// REPORT-COUNT-2: remark: part of the router raised at
// REPORT: remark: router raised to moe.gate top_k 4 sigmoid bias groups 4 keep 2; not raised: the top-k values are divided by something other than their sum
// RUN: moe-compile --raise-linalg=false %s -o %t.unraised.so
// RUN: moe-compile %s -o %t.raised.so
// RUN: %python %S/compare_routers.py --moe-run moe-run --entry deepseek_router --dims 1,5,32,100 %t.unraised.so %t.raised.so | FileCheck %s --check-prefix=SAME
// SAME-NOT: FAIL
// SAME: {{^[0-9]+}} passed, 0 failed

// CHECK-LABEL: func.func @deepseek_router
// CHECK-SAME: %[[BIAS:[^:]*]]: tensor<16xf32>)
// CHECK: %[[LOGITS:.*]] = linalg.matmul
// CHECK: %[[W:.*]], %[[IDS:.*]] = moe.gate %[[LOGITS]] bias %[[BIAS]] top_k 4 sigmoid groups 4 keep 2 :
// CHECK-NOT: tm_tensor
// CHECK-NOT: tensor.extract
// CHECK: linalg.generic {{.*}} ins(%[[W]] : tensor<?x4xf32>)
// CHECK: arith.addf
// CHECK: arith.divf
// CHECK: arith.mulf
// CHECK: return
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#row = affine_map<(d0, d1) -> (d0, 0)>
#col = affine_map<(d0, d1) -> (d1)>
#scalar = affine_map<(d0, d1) -> ()>
#red3 = affine_map<(d0, d1, d2) -> (d0, d1)>
#bc3 = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
module {
  func.func @deepseek_router(%h: tensor<?x64xbf16>, %router_w: tensor<16x64xbf16>, %bias: tensor<16xf32>) -> (tensor<?x4xf32>, tensor<?x4xi64>) {
    %c0 = arith.constant 0 : index
    %zero = arith.constant 0.000000e+00 : f32
    %one = arith.constant 1.000000e+00 : f32
    %true = arith.constant true
    %t = tensor.dim %h, %c0 : tensor<?x64xbf16>
    // F.linear(h.float(), W.float())
    %e_hf = tensor.empty(%t) : tensor<?x64xf32>
    %hf = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%h : tensor<?x64xbf16>) outs(%e_hf : tensor<?x64xf32>) {
    ^bb0(%in: bf16, %out: f32):
      %0 = arith.extf %in : bf16 to f32
      linalg.yield %0 : f32
    } -> tensor<?x64xf32>
    %e_wf = tensor.empty() : tensor<16x64xf32>
    %wf = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%router_w : tensor<16x64xbf16>) outs(%e_wf : tensor<16x64xf32>) {
    ^bb0(%in: bf16, %out: f32):
      %0 = arith.extf %in : bf16 to f32
      linalg.yield %0 : f32
    } -> tensor<16x64xf32>
    %e_t = tensor.empty() : tensor<64x16xf32>
    %wt = linalg.transpose ins(%wf : tensor<16x64xf32>) outs(%e_t : tensor<64x16xf32>) permutation = [1, 0]
    %e_l = tensor.empty(%t) : tensor<?x16xf32>
    %z_l = linalg.fill ins(%zero : f32) outs(%e_l : tensor<?x16xf32>) -> tensor<?x16xf32>
    %logits = linalg.matmul ins(%hf, %wt : tensor<?x64xf32>, tensor<64x16xf32>) outs(%z_l : tensor<?x16xf32>) -> tensor<?x16xf32>
    // scores = sigmoid(logits); choice = scores + bias
    %s = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%logits : tensor<?x16xf32>) outs(%e_l : tensor<?x16xf32>) {
    ^bb0(%in: f32, %out: f32):
      %0 = arith.negf %in : f32
      %1 = math.exp %0 : f32
      %2 = arith.addf %1, %one : f32
      %3 = arith.divf %one, %2 : f32
      linalg.yield %3 : f32
    } -> tensor<?x16xf32>
    %choice = linalg.generic {indexing_maps = [#id2, #col, #id2], iterator_types = ["parallel", "parallel"]} ins(%s, %bias : tensor<?x16xf32>, tensor<16xf32>) outs(%e_l : tensor<?x16xf32>) {
    ^bb0(%in: f32, %in_0: f32, %out: f32):
      %0 = arith.addf %in, %in_0 : f32
      linalg.yield %0 : f32
    } -> tensor<?x16xf32>
    // group scores: sum(topk(view(choice, [T, 4, 4]), 2)[0], -1)
    %v3 = tensor.expand_shape %choice [[0], [1, 2]] output_shape [%t, 4, 4] : tensor<?x16xf32> into tensor<?x4x4xf32>
    %e_i3 = tensor.empty(%t) : tensor<?x4x4xi64>
    %iota3 = linalg.generic {indexing_maps = [#id3], iterator_types = ["parallel", "parallel", "parallel"]} outs(%e_i3 : tensor<?x4x4xi64>) {
    ^bb0(%out: i64):
      %0 = linalg.index 2 : index
      %1 = arith.index_cast %0 : index to i64
      linalg.yield %1 : i64
    } -> tensor<?x4x4xi64>
    %s3:2 = tm_tensor.sort dimension(2) outs(%v3, %iota3 : tensor<?x4x4xf32>, tensor<?x4x4xi64>) {
    ^bb0(%a: f32, %b: f32, %ia: i64, %ib: i64):
      %0 = arith.cmpf oge, %a, %b : f32
      tm_tensor.yield %0 : i1
    } -> tensor<?x4x4xf32>, tensor<?x4x4xi64>
    %top2 = tensor.extract_slice %s3#0[0, 0, 0] [%t, 4, 2] [1, 1, 1] : tensor<?x4x4xf32> to tensor<?x4x2xf32>
    %e_g = tensor.empty(%t) : tensor<?x4xf32>
    %z_g = linalg.fill ins(%zero : f32) outs(%e_g : tensor<?x4xf32>) -> tensor<?x4xf32>
    %gscore = linalg.generic {indexing_maps = [#id3, #red3], iterator_types = ["parallel", "parallel", "reduction"]} ins(%top2 : tensor<?x4x2xf32>) outs(%z_g : tensor<?x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %0 = arith.addf %in, %out : f32
      linalg.yield %0 : f32
    } -> tensor<?x4xf32>
    // group ids: topk(gscore, 2)[1]
    %e_i2 = tensor.empty(%t) : tensor<?x4xi64>
    %iota2 = linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]} outs(%e_i2 : tensor<?x4xi64>) {
    ^bb0(%out: i64):
      %0 = linalg.index 1 : index
      %1 = arith.index_cast %0 : index to i64
      linalg.yield %1 : i64
    } -> tensor<?x4xi64>
    %gsort:2 = tm_tensor.sort dimension(1) outs(%gscore, %iota2 : tensor<?x4xf32>, tensor<?x4xi64>) {
    ^bb0(%a: f32, %b: f32, %ia: i64, %ib: i64):
      %0 = arith.cmpf oge, %a, %b : f32
      tm_tensor.yield %0 : i1
    } -> tensor<?x4xf32>, tensor<?x4xi64>
    %gidx = tensor.extract_slice %gsort#1[0, 0] [%t, 2] [1, 1] : tensor<?x4xi64> to tensor<?x2xi64>
    // group mask: zeros([T, 4]).scatter(1, gidx, 1)
    %zero_t = arith.constant dense<0.000000e+00> : tensor<f32>
    %one_t = arith.constant dense<1.000000e+00> : tensor<f32>
    %c0_i64 = arith.constant 0 : i64
    %c2 = arith.constant 2 : index
    %e_z = tensor.empty(%t) : tensor<?x4xf32>
    %zeros = linalg.generic {indexing_maps = [#scalar, #id2], iterator_types = ["parallel", "parallel"]} ins(%zero_t : tensor<f32>) outs(%e_z : tensor<?x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<?x4xf32>
    %m = tensor.dim %gidx, %c0 : tensor<?x2xi64>
    %e_o = tensor.empty(%m) : tensor<?x2xf32>
    %ones = linalg.generic {indexing_maps = [#scalar, #id2], iterator_types = ["parallel", "parallel"]} ins(%one_t : tensor<f32>) outs(%e_o : tensor<?x2xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<?x2xf32>
    %n = arith.muli %m, %c2 : index
    %e_c = tensor.empty(%n) : tensor<?x1xi64>
    %col0 = linalg.fill ins(%c0_i64 : i64) outs(%e_c : tensor<?x1xi64>) -> tensor<?x1xi64>
    %e_u = tensor.empty(%n) : tensor<?xf32>
    %upd0 = linalg.fill ins(%zero : f32) outs(%e_u : tensor<?xf32>) -> tensor<?xf32>
    %flat:3 = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0, 0)>, affine_map<(d0) -> (d0, 0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs(%col0, %col0, %upd0 : tensor<?x1xi64>, tensor<?x1xi64>, tensor<?xf32>) {
    ^bb0(%o0: i64, %o1: i64, %o2: f32):
      %i = linalg.index 0 : index
      %r1 = arith.remsi %i, %c2 : index
      %q1 = arith.divsi %i, %c2 : index
      %r0 = arith.remsi %q1, %m : index
      %iv = tensor.extract %gidx[%r0, %r1] : tensor<?x2xi64>
      %sv = tensor.extract %ones[%r0, %r1] : tensor<?x2xf32>
      %r0i = arith.index_cast %r0 : index to i64
      linalg.yield %r0i, %iv, %sv : i64, i64, f32
    } -> (tensor<?x1xi64>, tensor<?x1xi64>, tensor<?xf32>)
    %e_t2 = tensor.empty(%n) : tensor<?x2xi64>
    %ci = linalg.fill ins(%c0_i64 : i64) outs(%e_t2 : tensor<?x2xi64>) -> tensor<?x2xi64>
    %ins0 = tensor.insert_slice %flat#0 into %ci[0, 0] [%n, 1] [1, 1] : tensor<?x1xi64> into tensor<?x2xi64>
    %ins1 = tensor.insert_slice %flat#1 into %ins0[0, 1] [%n, 1] [1, 1] : tensor<?x1xi64> into tensor<?x2xi64>
    %gmask = tm_tensor.scatter {dimension_map = array<i64: 0, 1>} unique_indices(false) ins(%flat#2, %ins1 : tensor<?xf32>, tensor<?x2xi64>) outs(%zeros : tensor<?x4xf32>) {
    ^bb0(%arg0: f32, %arg1: f32):
      tm_tensor.yield %arg0 : f32
    } -> tensor<?x4xf32>
    // mask: view(expand(unsqueeze(gmask, -1), [T, 4, 4]), [T, 16]); ~bool(mask)
    %gm3 = tensor.expand_shape %gmask [[0], [1, 2]] output_shape [%t, 4, 1] : tensor<?x4xf32> into tensor<?x4x1xf32>
    %e_b3 = tensor.empty(%t) : tensor<?x4x4xf32>
    %gmb = linalg.generic {indexing_maps = [#bc3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%gm3 : tensor<?x4x1xf32>) outs(%e_b3 : tensor<?x4x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<?x4x4xf32>
    %mask = tensor.collapse_shape %gmb [[0], [1, 2]] : tensor<?x4x4xf32> into tensor<?x16xf32>
    %e_m = tensor.empty(%t) : tensor<?x16xi1>
    %mb = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%mask : tensor<?x16xf32>) outs(%e_m : tensor<?x16xi1>) {
    ^bb0(%in: f32, %out: i1):
      %0 = arith.cmpf une, %in, %zero : f32
      linalg.yield %0 : i1
    } -> tensor<?x16xi1>
    %nm = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%mb : tensor<?x16xi1>) outs(%e_m : tensor<?x16xi1>) {
    ^bb0(%in: i1, %out: i1):
      %0 = arith.xori %in, %true : i1
      linalg.yield %0 : i1
    } -> tensor<?x16xi1>
    // masked_fill(choice, ~mask, -inf): where(~mask, -inf, choice)
    %ninf_t = arith.constant dense<0xFF800000> : tensor<f32>
    %masked = linalg.generic {indexing_maps = [#id2, #scalar, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%nm, %ninf_t, %choice : tensor<?x16xi1>, tensor<f32>, tensor<?x16xf32>) outs(%e_l : tensor<?x16xf32>) {
    ^bb0(%in: i1, %in_0: f32, %in_1: f32, %out: f32):
      %0 = arith.select %in, %in_0, %in_1 : f32
      linalg.yield %0 : f32
    } -> tensor<?x16xf32>
    // topk(masked, 4)[1]; weights = scores.gather(1, ids)
    %e_i16 = tensor.empty(%t) : tensor<?x16xi64>
    %iota16 = linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]} outs(%e_i16 : tensor<?x16xi64>) {
    ^bb0(%out: i64):
      %0 = linalg.index 1 : index
      %1 = arith.index_cast %0 : index to i64
      linalg.yield %1 : i64
    } -> tensor<?x16xi64>
    %fsort:2 = tm_tensor.sort dimension(1) outs(%masked, %iota16 : tensor<?x16xf32>, tensor<?x16xi64>) {
    ^bb0(%a: f32, %b: f32, %ia: i64, %ib: i64):
      %0 = arith.cmpf oge, %a, %b : f32
      tm_tensor.yield %0 : i1
    } -> tensor<?x16xf32>, tensor<?x16xi64>
    %ids = tensor.extract_slice %fsort#1[0, 0] [%t, 4] [1, 1] : tensor<?x16xi64> to tensor<?x4xi64>
    %c16 = arith.constant 16 : index
    %e_w = tensor.empty(%t) : tensor<?x4xf32>
    %z_w = linalg.fill ins(%zero : f32) outs(%e_w : tensor<?x4xf32>) -> tensor<?x4xf32>
    %w = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%ids : tensor<?x4xi64>) outs(%z_w : tensor<?x4xf32>) {
    ^bb0(%in: i64, %out: f32):
      %0 = linalg.index 0 : index
      %1 = arith.index_cast %in : i64 to index
      %2 = arith.cmpi slt, %1, %c16 : index
      cf.assert %2, "index must be smaller than dim size"
      %3 = arith.cmpi sge, %in, %c0_i64 : i64
      cf.assert %3, "index must be larger or equal to 0"
      %4 = tensor.extract %s[%0, %1] : tensor<?x16xf32>
      linalg.yield %4 : f32
    } -> tensor<?x4xf32>
    // / (sum + 1e-20) * 2.5
    %tiny_t = arith.constant dense<9.99999968E-21> : tensor<f32>
    %scale_t = arith.constant dense<2.500000e+00> : tensor<f32>
    %e_r = tensor.empty(%t) : tensor<?x1xf32>
    %z_r = linalg.fill ins(%zero : f32) outs(%e_r : tensor<?x1xf32>) -> tensor<?x1xf32>
    %wsum = linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]} ins(%w : tensor<?x4xf32>) outs(%z_r : tensor<?x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %0 = arith.addf %in, %out : f32
      linalg.yield %0 : f32
    } -> tensor<?x1xf32>
    %denom = linalg.generic {indexing_maps = [#id2, #scalar, #id2], iterator_types = ["parallel", "parallel"]} ins(%wsum, %tiny_t : tensor<?x1xf32>, tensor<f32>) outs(%e_r : tensor<?x1xf32>) {
    ^bb0(%in: f32, %in_0: f32, %out: f32):
      %0 = arith.addf %in, %in_0 : f32
      linalg.yield %0 : f32
    } -> tensor<?x1xf32>
    %wn = linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]} ins(%w, %denom : tensor<?x4xf32>, tensor<?x1xf32>) outs(%e_w : tensor<?x4xf32>) {
    ^bb0(%in: f32, %in_0: f32, %out: f32):
      %0 = arith.divf %in, %in_0 : f32
      linalg.yield %0 : f32
    } -> tensor<?x4xf32>
    %scaled = linalg.generic {indexing_maps = [#id2, #scalar, #id2], iterator_types = ["parallel", "parallel"]} ins(%wn, %scale_t : tensor<?x4xf32>, tensor<f32>) outs(%e_w : tensor<?x4xf32>) {
    ^bb0(%in: f32, %in_0: f32, %out: f32):
      %0 = arith.mulf %in, %in_0 : f32
      linalg.yield %0 : f32
    } -> tensor<?x4xf32>
    return %scaled, %ids : tensor<?x4xf32>, tensor<?x4xi64>
  }
}
