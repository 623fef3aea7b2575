// Hugging Face DeepSeek-V3's MoE layer (transformers 5.17,
// DeepseekV3MoE with `_experts_implementation = "batched_mm"`): the router
// of test/Frontends/deepseek_router.mlir (sigmoid + bias, group-limited
// top-k with sorted top-ks, weights gathered from the unbiased scores,
// / (sum + 1e-20), * 2.5), the routed experts in the batched_mm form of
// test/Frontends/qwen3_moe.mlir (repeat_interleave, clamp, gathers, bmm,
// silu * up, weighted sum over k), and the shared expert (DeepseekV3MLP:
// three F.linear as linalg.transpose + linalg.matmul with an f32
// accumulator + truncf, silu * up) added to the routed output. E=16 in G=4
// groups, topk_group 2, k=4, H=64, I=32 (routed and shared), bf16, T
// dynamic.
// Raised: the router to moe.gate (its division by sum + 1e-20 and the
// scaling stay) and the routed experts to moe.experts. The shared expert is
// a dense MLP, not an MoE pattern: it stays as linalg (matmuls and
// elementwise generics), and the add of the two stays.
// RUN: moe-opt --moe-raise-linalg %s | FileCheck %s
// RUN: moe-opt --moe-raise-linalg=report -mlir-print-op-on-diagnostic=false %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT
// REPORT-DAG: remark: router raised to moe.gate top_k 4 sigmoid bias groups 4 keep 2; not raised: the top-k values are divided by something other than their sum
// REPORT-DAG: remark: experts raised to moe.experts

// CHECK-LABEL: func.func @deepseek_moe
// CHECK-SAME: (%[[H:.*]]: tensor<?x64xbf16>, %{{.*}}: tensor<16x64xbf16>, %[[BIAS:.*]]: tensor<16xf32>, %[[GU:.*]]: tensor<16x64x64xbf16>, %[[DOWN:.*]]: tensor<16x64x32xbf16>,
// CHECK: %[[W:.*]], %[[IDS:.*]] = moe.gate %{{.*}} bias %[[BIAS]] top_k 4 sigmoid groups 4 keep 2 :
// CHECK: arith.divf
// CHECK: %[[SCALED:.*]] = linalg.generic
// CHECK: arith.mulf
// CHECK: %[[Y:.*]] = moe.experts %[[H]], %[[GU]], %[[DOWN]], %[[SCALED]], %[[IDS]] activation <silu_mul>
// CHECK-NOT: tm_tensor
// CHECK-NOT: linalg.batch_matmul
// CHECK-COUNT-3: linalg.matmul
// CHECK: %[[OUT:.*]] = linalg.generic {{.*}} ins(%[[Y]], %{{.*}} : tensor<?x64xbf16>, tensor<?x64xbf16>)
// CHECK: return %[[OUT]]
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#row = affine_map<(d0, d1) -> (d0, 0)>
#col = affine_map<(d0, d1) -> (d1)>
#scalar = affine_map<(d0, d1) -> ()>
#red3 = affine_map<(d0, d1, d2) -> (d0, d1)>
#bc3 = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
#rep = affine_map<(d0, d1, d2) -> (d0, d2)>
#lead = affine_map<(d0, d1, d2) -> (d0)>
module {
  func.func @deepseek_moe(%h: tensor<?x64xbf16>, %router_w: tensor<16x64xbf16>, %bias: tensor<16xf32>,
                          %gate_up: tensor<16x64x64xbf16>, %down: tensor<16x64x32xbf16>,
                          %shared_gate: tensor<32x64xbf16>, %shared_up: tensor<32x64xbf16>,
                          %shared_down: tensor<64x32xbf16>) -> tensor<?x64xbf16> {
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

    // Routed experts (batched_mm, as test/Frontends/qwen3_moe.mlir with E=16, k=4).
    %c15_i64 = arith.constant 15 : i64
    %c16_i64 = arith.constant 16 : i64
    %one_bf = arith.constant 1.000000e+00 : bf16
    %e_f = tensor.empty(%t) : tensor<?x64xf32>
    %e_b = tensor.empty(%t) : tensor<?x64xbf16>
    // Experts (batched_mm)
    %e_rep = tensor.empty(%t) : tensor<?x4x64xbf16>
    %rep3 = linalg.generic {indexing_maps = [#rep, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%h : tensor<?x64xbf16>) outs(%e_rep : tensor<?x4x64xbf16>) {
    ^bb0(%in: bf16, %out: bf16):
      linalg.yield %in : bf16
    } -> tensor<?x4x64xbf16>
    %xs = tensor.collapse_shape %rep3 [[0, 1], [2]] : tensor<?x4x64xbf16> into tensor<?x64xbf16>
    %s_r = tensor.dim %xs, %c0 : tensor<?x64xbf16>
    %ids_flat = tensor.collapse_shape %ids [[0, 1]] : tensor<?x4xi64> into tensor<?xi64>
    %e_id = tensor.empty(%s_r) : tensor<?xi64>
    %ids_c = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%ids_flat : tensor<?xi64>) outs(%e_id : tensor<?xi64>) {
    ^bb0(%in: i64, %out: i64):
      %0 = arith.cmpi slt, %in, %c0_i64 : i64
      %1 = arith.select %0, %c0_i64, %in : i64
      %2 = arith.cmpi sge, %1, %c15_i64 : i64
      %3 = arith.select %2, %c15_i64, %1 : i64
      linalg.yield %3 : i64
    } -> tensor<?xi64>
    %e_g1 = tensor.empty(%s_r) : tensor<?x64x64xbf16>
    %w1g = linalg.generic {indexing_maps = [#lead, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ids_c : tensor<?xi64>) outs(%e_g1 : tensor<?x64x64xbf16>) {
    ^bb0(%in: i64, %out: bf16):
      %0 = arith.cmpi slt, %in, %c0_i64 : i64
      %1 = arith.addi %in, %c16_i64 : i64
      %2 = arith.select %0, %1, %in : i64
      %3 = arith.index_cast %2 : i64 to index
      %4 = linalg.index 1 : index
      %5 = linalg.index 2 : index
      %extracted = tensor.extract %gate_up[%3, %4, %5] : tensor<16x64x64xbf16>
      linalg.yield %extracted : bf16
    } -> tensor<?x64x64xbf16>
    %xcol = tensor.expand_shape %xs [[0], [1, 2]] output_shape [%s_r, 64, 1] : tensor<?x64xbf16> into tensor<?x64x1xbf16>
    %e_p1 = tensor.empty(%s_r) : tensor<?x64x1xf32>
    %z_p1 = linalg.fill ins(%zero : f32) outs(%e_p1 : tensor<?x64x1xf32>) -> tensor<?x64x1xf32>
    %p1 = linalg.batch_matmul ins(%w1g, %xcol : tensor<?x64x64xbf16>, tensor<?x64x1xbf16>) outs(%z_p1 : tensor<?x64x1xf32>) -> tensor<?x64x1xf32>
    %e_p1b = tensor.empty(%s_r) : tensor<?x64x1xbf16>
    %p1b = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%p1 : tensor<?x64x1xf32>) outs(%e_p1b : tensor<?x64x1xbf16>) {
    ^bb0(%in: f32, %out: bf16):
      %0 = arith.truncf %in : f32 to bf16
      linalg.yield %0 : bf16
    } -> tensor<?x64x1xbf16>
    %gu = tensor.collapse_shape %p1b [[0], [1, 2]] : tensor<?x64x1xbf16> into tensor<?x64xbf16>
    %gate = tensor.extract_slice %gu[0, 0] [%s_r, 32] [1, 1] : tensor<?x64xbf16> to tensor<?x32xbf16>
    %up = tensor.extract_slice %gu[0, 32] [%s_r, 32] [1, 1] : tensor<?x64xbf16> to tensor<?x32xbf16>
    %e_a = tensor.empty(%s_r) : tensor<?x32xbf16>
    %sg_r = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%gate : tensor<?x32xbf16>) outs(%e_a : tensor<?x32xbf16>) {
    ^bb0(%in: bf16, %out: bf16):
      %0 = arith.negf %in : bf16
      %1 = math.exp %0 : bf16
      %2 = arith.addf %1, %one_bf : bf16
      %3 = arith.divf %one_bf, %2 : bf16
      linalg.yield %3 : bf16
    } -> tensor<?x32xbf16>
    %silu = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%sg_r, %gate : tensor<?x32xbf16>, tensor<?x32xbf16>) outs(%e_a : tensor<?x32xbf16>) {
    ^bb0(%in: bf16, %in_0: bf16, %out: bf16):
      %0 = arith.mulf %in, %in_0 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x32xbf16>
    %act = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%silu, %up : tensor<?x32xbf16>, tensor<?x32xbf16>) outs(%e_a : tensor<?x32xbf16>) {
    ^bb0(%in: bf16, %in_0: bf16, %out: bf16):
      %0 = arith.mulf %in, %in_0 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x32xbf16>
    %e_g2 = tensor.empty(%s_r) : tensor<?x64x32xbf16>
    %w2g = linalg.generic {indexing_maps = [#lead, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ids_c : tensor<?xi64>) outs(%e_g2 : tensor<?x64x32xbf16>) {
    ^bb0(%in: i64, %out: bf16):
      %0 = arith.cmpi slt, %in, %c0_i64 : i64
      %1 = arith.addi %in, %c16_i64 : i64
      %2 = arith.select %0, %1, %in : i64
      %3 = arith.index_cast %2 : i64 to index
      %4 = linalg.index 1 : index
      %5 = linalg.index 2 : index
      %extracted = tensor.extract %down[%3, %4, %5] : tensor<16x64x32xbf16>
      linalg.yield %extracted : bf16
    } -> tensor<?x64x32xbf16>
    %acol = tensor.expand_shape %act [[0], [1, 2]] output_shape [%s_r, 32, 1] : tensor<?x32xbf16> into tensor<?x32x1xbf16>
    %p2 = linalg.batch_matmul ins(%w2g, %acol : tensor<?x64x32xbf16>, tensor<?x32x1xbf16>) outs(%z_p1 : tensor<?x64x1xf32>) -> tensor<?x64x1xf32>
    %p2b = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%p2 : tensor<?x64x1xf32>) outs(%e_p1b : tensor<?x64x1xbf16>) {
    ^bb0(%in: f32, %out: bf16):
      %0 = arith.truncf %in : f32 to bf16
      linalg.yield %0 : bf16
    } -> tensor<?x64x1xbf16>
    %o = tensor.collapse_shape %p2b [[0], [1, 2]] : tensor<?x64x1xbf16> into tensor<?x64xbf16>
    %w_flat = tensor.collapse_shape %scaled [[0, 1]] : tensor<?x4xf32> into tensor<?xf32>
    %w_col = tensor.expand_shape %w_flat [[0, 1]] output_shape [%s_r, 1] : tensor<?xf32> into tensor<?x1xf32>
    %e_o_r = tensor.empty(%s_r) : tensor<?x64xf32>
    %ow = linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]} ins(%o, %w_col : tensor<?x64xbf16>, tensor<?x1xf32>) outs(%e_o_r : tensor<?x64xf32>) {
    ^bb0(%in: bf16, %in_0: f32, %out: f32):
      %0 = arith.extf %in : bf16 to f32
      %1 = arith.mulf %0, %in_0 : f32
      linalg.yield %1 : f32
    } -> tensor<?x64xf32>
    %o3 = tensor.expand_shape %ow [[0, 1], [2]] output_shape [%t, 4, 64] : tensor<?x64xf32> into tensor<?x4x64xf32>
    %z_y = linalg.fill ins(%zero : f32) outs(%e_f : tensor<?x64xf32>) -> tensor<?x64xf32>
    %y32 = linalg.generic {indexing_maps = [#id3, #rep], iterator_types = ["parallel", "reduction", "parallel"]} ins(%o3 : tensor<?x4x64xf32>) outs(%z_y : tensor<?x64xf32>) {
    ^bb0(%in: f32, %out: f32):
      %0 = arith.addf %in, %out : f32
      linalg.yield %0 : f32
    } -> tensor<?x64xf32>
    %y = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%y32 : tensor<?x64xf32>) outs(%e_b : tensor<?x64xbf16>) {
    ^bb0(%in: f32, %out: bf16):
      %0 = arith.truncf %in : f32 to bf16
      linalg.yield %0 : bf16
    } -> tensor<?x64xbf16>

    // Shared expert: DeepseekV3MLP, down_proj(silu(gate_proj(x)) * up_proj(x)),
    // added to the routed experts' output.
    %e_sgt = tensor.empty() : tensor<64x32xbf16>
    %sg_wt = linalg.transpose ins(%shared_gate : tensor<32x64xbf16>) outs(%e_sgt : tensor<64x32xbf16>) permutation = [1, 0]
    %e_sgf = tensor.empty(%t) : tensor<?x32xf32>
    %z_sg = linalg.fill ins(%zero : f32) outs(%e_sgf : tensor<?x32xf32>) -> tensor<?x32xf32>
    %sg_mm = linalg.matmul ins(%h, %sg_wt : tensor<?x64xbf16>, tensor<64x32xbf16>) outs(%z_sg : tensor<?x32xf32>) -> tensor<?x32xf32>
    %e_sgb = tensor.empty(%t) : tensor<?x32xbf16>
    %sg = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%sg_mm : tensor<?x32xf32>) outs(%e_sgb : tensor<?x32xbf16>) {
    ^bb0(%in: f32, %out: bf16):
      %0 = arith.truncf %in : f32 to bf16
      linalg.yield %0 : bf16
    } -> tensor<?x32xbf16>
    %e_sut = tensor.empty() : tensor<64x32xbf16>
    %su_wt = linalg.transpose ins(%shared_up : tensor<32x64xbf16>) outs(%e_sut : tensor<64x32xbf16>) permutation = [1, 0]
    %e_suf = tensor.empty(%t) : tensor<?x32xf32>
    %z_su = linalg.fill ins(%zero : f32) outs(%e_suf : tensor<?x32xf32>) -> tensor<?x32xf32>
    %su_mm = linalg.matmul ins(%h, %su_wt : tensor<?x64xbf16>, tensor<64x32xbf16>) outs(%z_su : tensor<?x32xf32>) -> tensor<?x32xf32>
    %e_sub = tensor.empty(%t) : tensor<?x32xbf16>
    %su = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%su_mm : tensor<?x32xf32>) outs(%e_sub : tensor<?x32xbf16>) {
    ^bb0(%in: f32, %out: bf16):
      %0 = arith.truncf %in : f32 to bf16
      linalg.yield %0 : bf16
    } -> tensor<?x32xbf16>
    %e_sa = tensor.empty(%t) : tensor<?x32xbf16>
    %ssig = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%sg : tensor<?x32xbf16>) outs(%e_sa : tensor<?x32xbf16>) {
    ^bb0(%in: bf16, %out: bf16):
      %0 = arith.negf %in : bf16
      %1 = math.exp %0 : bf16
      %2 = arith.addf %1, %one_bf : bf16
      %3 = arith.divf %one_bf, %2 : bf16
      linalg.yield %3 : bf16
    } -> tensor<?x32xbf16>
    %ssilu = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%ssig, %sg : tensor<?x32xbf16>, tensor<?x32xbf16>) outs(%e_sa : tensor<?x32xbf16>) {
    ^bb0(%in: bf16, %in_0: bf16, %out: bf16):
      %0 = arith.mulf %in, %in_0 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x32xbf16>
    %sact = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%ssilu, %su : tensor<?x32xbf16>, tensor<?x32xbf16>) outs(%e_sa : tensor<?x32xbf16>) {
    ^bb0(%in: bf16, %in_0: bf16, %out: bf16):
      %0 = arith.mulf %in, %in_0 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x32xbf16>
    %e_sdt = tensor.empty() : tensor<32x64xbf16>
    %sd_wt = linalg.transpose ins(%shared_down : tensor<64x32xbf16>) outs(%e_sdt : tensor<32x64xbf16>) permutation = [1, 0]
    %e_sdf = tensor.empty(%t) : tensor<?x64xf32>
    %z_sd = linalg.fill ins(%zero : f32) outs(%e_sdf : tensor<?x64xf32>) -> tensor<?x64xf32>
    %sd_mm = linalg.matmul ins(%sact, %sd_wt : tensor<?x32xbf16>, tensor<32x64xbf16>) outs(%z_sd : tensor<?x64xf32>) -> tensor<?x64xf32>
    %e_sdb = tensor.empty(%t) : tensor<?x64xbf16>
    %sd = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%sd_mm : tensor<?x64xf32>) outs(%e_sdb : tensor<?x64xbf16>) {
    ^bb0(%in: f32, %out: bf16):
      %0 = arith.truncf %in : f32 to bf16
      linalg.yield %0 : bf16
    } -> tensor<?x64xbf16>
    %out = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%y, %sd : tensor<?x64xbf16>, tensor<?x64xbf16>) outs(%e_b : tensor<?x64xbf16>) {
    ^bb0(%in: bf16, %in_0: bf16, %out: bf16):
      %0 = arith.addf %in, %in_0 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x64xbf16>
    return %out : tensor<?x64xbf16>
  }
}
