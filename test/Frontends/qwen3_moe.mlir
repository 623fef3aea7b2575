// RUN: moe-opt --moe-raise-linalg %s | FileCheck %s
// RUN: moe-opt --moe-raise-linalg=report -mlir-print-op-on-diagnostic=false %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT
// Hugging Face Qwen3-MoE's MoE layer input (transformers 5.17,
// Qwen3MoeSparseMoeBlock with `_experts_implementation = "batched_mm"`,
// post_attention_layernorm in front), tiny config H=64, I=32, E=8, k=2, bf16,
// T dynamic, written here in the linalg-on-tensors form that torch-mlir's
// fx.export_and_import(output_type="linalg-on-tensors") lowering produces:
// - RMSNorm: x.to(f32) (extf generic), pow(2) (math.fpowi, TorchToLinalg
//   Uncategorized.cpp), mean = sum.dim_IntList(keepdim) / 64
//   (DecomposeAtenMeanDimOp), + eps as a 0-d filled tensor
//   (prim.NumToTensor), rsqrt, mul, .to(bf16), weight * h;
// - router: F.linear = linalg.transpose + linalg.matmul with an f32
//   accumulator and a truncf generic (ConvertAtenMmOp); softmax(dtype=float)
//   decomposed (DecomposeAtenSoftmaxIntOp: max.dim with argmax, sub, exp,
//   sum, div); topk(2) = iota + tm_tensor.sort oge + two slices
//   (DecomposeAtenTopkOp, ConvertAtenSortOp); norm_topk_prob: / sum;
// - experts (transformers.integrations.moe batched_mm): repeat_interleave
//   (DecomposeAtenRepeatInterleaveSelfIntOp: broadcast generic + collapse),
//   view(ids, -1) + clamp(0, 7) (cmpi/select), gate_up_proj[ids] (the
//   index.Tensor gather generic with negative-index wrap), bmm with an f32
//   accumulator + truncf (ConvertAtenBmmOp), squeeze, split (two slices),
//   silu = sigmoid(g) * g (DecomposeAtenSiluOp), * up, down_proj[ids], bmm,
//   * weights (bf16 * f32 promotes to f32), view [T, k, H], sum(1), .to(bf16).
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#row = affine_map<(d0, d1) -> (d0, 0)>
#rowd = affine_map<(d0, d1) -> (d0)>
#col = affine_map<(d0, d1) -> (d1)>
#scalar = affine_map<(d0, d1) -> ()>
#lead = affine_map<(d0, d1, d2) -> (d0)>
#rep = affine_map<(d0, d1, d2) -> (d0, d2)>
module {
  func.func @qwen3_moe(%x: tensor<?x64xbf16>, %norm_w: tensor<64xbf16>, %router_w: tensor<8x64xbf16>, %gate_up: tensor<8x64x64xbf16>, %down: tensor<8x64x32xbf16>) -> tensor<?x64xbf16> {
    %c0 = arith.constant 0 : index
    %c2 = arith.constant 2 : index
    %zero = arith.constant 0.000000e+00 : f32
    %zero_bf = arith.constant 0.000000e+00 : bf16
    %one_bf = arith.constant 1.000000e+00 : bf16
    %ninf = arith.constant 0xFF800000 : f32
    %c0_i64 = arith.constant 0 : i64
    %c7_i64 = arith.constant 7 : i64
    %c8_i64 = arith.constant 8 : i64
    %c2_i64 = arith.constant 2 : i64
    %h_f = arith.constant 6.400000e+01 : f32
    %eps64 = arith.constant 9.9999999999999995E-7 : f64
    %t = tensor.dim %x, %c0 : tensor<?x64xbf16>

    // RMSNorm
    %e_f = tensor.empty(%t) : tensor<?x64xf32>
    %h32 = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<?x64xbf16>) outs(%e_f : tensor<?x64xf32>) {
    ^bb0(%in: bf16, %out: f32):
      %0 = arith.extf %in : bf16 to f32
      linalg.yield %0 : f32
    } -> tensor<?x64xf32>
    %sq = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%h32 : tensor<?x64xf32>) outs(%e_f : tensor<?x64xf32>) {
    ^bb0(%in: f32, %out: f32):
      %0 = math.fpowi %in, %c2_i64 : f32, i64
      linalg.yield %0 : f32
    } -> tensor<?x64xf32>
    %e_r = tensor.empty(%t) : tensor<?x1xf32>
    %z_r = linalg.fill ins(%zero : f32) outs(%e_r : tensor<?x1xf32>) -> tensor<?x1xf32>
    %ssum = linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]} ins(%sq : tensor<?x64xf32>) outs(%z_r : tensor<?x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %0 = arith.addf %in, %out : f32
      linalg.yield %0 : f32
    } -> tensor<?x1xf32>
    %mean = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%ssum : tensor<?x1xf32>) outs(%e_r : tensor<?x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %0 = arith.divf %in, %h_f : f32
      linalg.yield %0 : f32
    } -> tensor<?x1xf32>
    %eps32 = arith.truncf %eps64 : f64 to f32
    %e_0d = tensor.empty() : tensor<f32>
    %eps_t = linalg.fill ins(%eps32 : f32) outs(%e_0d : tensor<f32>) -> tensor<f32>
    %var = linalg.generic {indexing_maps = [#id2, #scalar, #id2], iterator_types = ["parallel", "parallel"]} ins(%mean, %eps_t : tensor<?x1xf32>, tensor<f32>) outs(%e_r : tensor<?x1xf32>) {
    ^bb0(%in: f32, %in_0: f32, %out: f32):
      %0 = arith.addf %in, %in_0 : f32
      linalg.yield %0 : f32
    } -> tensor<?x1xf32>
    %rs = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%var : tensor<?x1xf32>) outs(%e_r : tensor<?x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %0 = math.rsqrt %in : f32
      linalg.yield %0 : f32
    } -> tensor<?x1xf32>
    %nrm = linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]} ins(%h32, %rs : tensor<?x64xf32>, tensor<?x1xf32>) outs(%e_f : tensor<?x64xf32>) {
    ^bb0(%in: f32, %in_0: f32, %out: f32):
      %0 = arith.mulf %in, %in_0 : f32
      linalg.yield %0 : f32
    } -> tensor<?x64xf32>
    %e_b = tensor.empty(%t) : tensor<?x64xbf16>
    %nrm_b = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%nrm : tensor<?x64xf32>) outs(%e_b : tensor<?x64xbf16>) {
    ^bb0(%in: f32, %out: bf16):
      %0 = arith.truncf %in : f32 to bf16
      linalg.yield %0 : bf16
    } -> tensor<?x64xbf16>
    %n = linalg.generic {indexing_maps = [#col, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%norm_w, %nrm_b : tensor<64xbf16>, tensor<?x64xbf16>) outs(%e_b : tensor<?x64xbf16>) {
    ^bb0(%in: bf16, %in_0: bf16, %out: bf16):
      %0 = arith.mulf %in, %in_0 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x64xbf16>

    // Router: F.linear, softmax(dtype=float), topk(2), / sum
    %e_t = tensor.empty() : tensor<64x8xbf16>
    %wt = linalg.transpose ins(%router_w : tensor<8x64xbf16>) outs(%e_t : tensor<64x8xbf16>) permutation = [1, 0]
    %e_l = tensor.empty(%t) : tensor<?x8xf32>
    %z_l = linalg.fill ins(%zero : f32) outs(%e_l : tensor<?x8xf32>) -> tensor<?x8xf32>
    %mm = linalg.matmul ins(%n, %wt : tensor<?x64xbf16>, tensor<64x8xbf16>) outs(%z_l : tensor<?x8xf32>) -> tensor<?x8xf32>
    %e_lb = tensor.empty(%t) : tensor<?x8xbf16>
    %logits = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%mm : tensor<?x8xf32>) outs(%e_lb : tensor<?x8xbf16>) {
    ^bb0(%in: f32, %out: bf16):
      %0 = arith.truncf %in : f32 to bf16
      linalg.yield %0 : bf16
    } -> tensor<?x8xbf16>
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
    %e_io = tensor.empty(%t) : tensor<?x8xi64>
    %iota = linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]} outs(%e_io : tensor<?x8xi64>) {
    ^bb0(%out: i64):
      %0 = linalg.index 1 : index
      %1 = arith.index_cast %0 : index to i64
      linalg.yield %1 : i64
    } -> tensor<?x8xi64>
    %sorted:2 = tm_tensor.sort dimension(1) outs(%probs, %iota : tensor<?x8xf32>, tensor<?x8xi64>) {
    ^bb0(%a: f32, %b: f32, %ia: i64, %ib: i64):
      %0 = arith.cmpf oge, %a, %b : f32
      tm_tensor.yield %0 : i1
    } -> tensor<?x8xf32>, tensor<?x8xi64>
    %top_v = tensor.extract_slice %sorted#0[0, 0] [%t, 2] [1, 1] : tensor<?x8xf32> to tensor<?x2xf32>
    %top_i = tensor.extract_slice %sorted#1[0, 0] [%t, 2] [1, 1] : tensor<?x8xi64> to tensor<?x2xi64>
    %vsum = linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]} ins(%top_v : tensor<?x2xf32>) outs(%z_r : tensor<?x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %0 = arith.addf %in, %out : f32
      linalg.yield %0 : f32
    } -> tensor<?x1xf32>
    %e_w = tensor.empty(%t) : tensor<?x2xf32>
    %weights = linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]} ins(%top_v, %vsum : tensor<?x2xf32>, tensor<?x1xf32>) outs(%e_w : tensor<?x2xf32>) {
    ^bb0(%in: f32, %in_0: f32, %out: f32):
      %0 = arith.divf %in, %in_0 : f32
      linalg.yield %0 : f32
    } -> tensor<?x2xf32>

    // Experts (batched_mm)
    %e_rep = tensor.empty(%t) : tensor<?x2x64xbf16>
    %rep3 = linalg.generic {indexing_maps = [#rep, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%n : tensor<?x64xbf16>) outs(%e_rep : tensor<?x2x64xbf16>) {
    ^bb0(%in: bf16, %out: bf16):
      linalg.yield %in : bf16
    } -> tensor<?x2x64xbf16>
    %xs = tensor.collapse_shape %rep3 [[0, 1], [2]] : tensor<?x2x64xbf16> into tensor<?x64xbf16>
    %s = tensor.dim %xs, %c0 : tensor<?x64xbf16>
    %ids_flat = tensor.collapse_shape %top_i [[0, 1]] : tensor<?x2xi64> into tensor<?xi64>
    %e_id = tensor.empty(%s) : tensor<?xi64>
    %ids_c = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%ids_flat : tensor<?xi64>) outs(%e_id : tensor<?xi64>) {
    ^bb0(%in: i64, %out: i64):
      %0 = arith.cmpi slt, %in, %c0_i64 : i64
      %1 = arith.select %0, %c0_i64, %in : i64
      %2 = arith.cmpi sge, %1, %c7_i64 : i64
      %3 = arith.select %2, %c7_i64, %1 : i64
      linalg.yield %3 : i64
    } -> tensor<?xi64>
    %e_g1 = tensor.empty(%s) : tensor<?x64x64xbf16>
    %w1g = linalg.generic {indexing_maps = [#lead, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ids_c : tensor<?xi64>) outs(%e_g1 : tensor<?x64x64xbf16>) {
    ^bb0(%in: i64, %out: bf16):
      %0 = arith.cmpi slt, %in, %c0_i64 : i64
      %1 = arith.addi %in, %c8_i64 : i64
      %2 = arith.select %0, %1, %in : i64
      %3 = arith.index_cast %2 : i64 to index
      %4 = linalg.index 1 : index
      %5 = linalg.index 2 : index
      %extracted = tensor.extract %gate_up[%3, %4, %5] : tensor<8x64x64xbf16>
      linalg.yield %extracted : bf16
    } -> tensor<?x64x64xbf16>
    %xcol = tensor.expand_shape %xs [[0], [1, 2]] output_shape [%s, 64, 1] : tensor<?x64xbf16> into tensor<?x64x1xbf16>
    %e_p1 = tensor.empty(%s) : tensor<?x64x1xf32>
    %z_p1 = linalg.fill ins(%zero : f32) outs(%e_p1 : tensor<?x64x1xf32>) -> tensor<?x64x1xf32>
    %p1 = linalg.batch_matmul ins(%w1g, %xcol : tensor<?x64x64xbf16>, tensor<?x64x1xbf16>) outs(%z_p1 : tensor<?x64x1xf32>) -> tensor<?x64x1xf32>
    %e_p1b = tensor.empty(%s) : tensor<?x64x1xbf16>
    %p1b = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%p1 : tensor<?x64x1xf32>) outs(%e_p1b : tensor<?x64x1xbf16>) {
    ^bb0(%in: f32, %out: bf16):
      %0 = arith.truncf %in : f32 to bf16
      linalg.yield %0 : bf16
    } -> tensor<?x64x1xbf16>
    %gu = tensor.collapse_shape %p1b [[0], [1, 2]] : tensor<?x64x1xbf16> into tensor<?x64xbf16>
    %gate = tensor.extract_slice %gu[0, 0] [%s, 32] [1, 1] : tensor<?x64xbf16> to tensor<?x32xbf16>
    %up = tensor.extract_slice %gu[0, 32] [%s, 32] [1, 1] : tensor<?x64xbf16> to tensor<?x32xbf16>
    %e_a = tensor.empty(%s) : tensor<?x32xbf16>
    %sg = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%gate : tensor<?x32xbf16>) outs(%e_a : tensor<?x32xbf16>) {
    ^bb0(%in: bf16, %out: bf16):
      %0 = arith.negf %in : bf16
      %1 = math.exp %0 : bf16
      %2 = arith.addf %1, %one_bf : bf16
      %3 = arith.divf %one_bf, %2 : bf16
      linalg.yield %3 : bf16
    } -> tensor<?x32xbf16>
    %silu = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%sg, %gate : tensor<?x32xbf16>, tensor<?x32xbf16>) outs(%e_a : tensor<?x32xbf16>) {
    ^bb0(%in: bf16, %in_0: bf16, %out: bf16):
      %0 = arith.mulf %in, %in_0 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x32xbf16>
    %act = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%silu, %up : tensor<?x32xbf16>, tensor<?x32xbf16>) outs(%e_a : tensor<?x32xbf16>) {
    ^bb0(%in: bf16, %in_0: bf16, %out: bf16):
      %0 = arith.mulf %in, %in_0 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x32xbf16>
    %e_g2 = tensor.empty(%s) : tensor<?x64x32xbf16>
    %w2g = linalg.generic {indexing_maps = [#lead, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ids_c : tensor<?xi64>) outs(%e_g2 : tensor<?x64x32xbf16>) {
    ^bb0(%in: i64, %out: bf16):
      %0 = arith.cmpi slt, %in, %c0_i64 : i64
      %1 = arith.addi %in, %c8_i64 : i64
      %2 = arith.select %0, %1, %in : i64
      %3 = arith.index_cast %2 : i64 to index
      %4 = linalg.index 1 : index
      %5 = linalg.index 2 : index
      %extracted = tensor.extract %down[%3, %4, %5] : tensor<8x64x32xbf16>
      linalg.yield %extracted : bf16
    } -> tensor<?x64x32xbf16>
    %acol = tensor.expand_shape %act [[0], [1, 2]] output_shape [%s, 32, 1] : tensor<?x32xbf16> into tensor<?x32x1xbf16>
    %p2 = linalg.batch_matmul ins(%w2g, %acol : tensor<?x64x32xbf16>, tensor<?x32x1xbf16>) outs(%z_p1 : tensor<?x64x1xf32>) -> tensor<?x64x1xf32>
    %p2b = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%p2 : tensor<?x64x1xf32>) outs(%e_p1b : tensor<?x64x1xbf16>) {
    ^bb0(%in: f32, %out: bf16):
      %0 = arith.truncf %in : f32 to bf16
      linalg.yield %0 : bf16
    } -> tensor<?x64x1xbf16>
    %o = tensor.collapse_shape %p2b [[0], [1, 2]] : tensor<?x64x1xbf16> into tensor<?x64xbf16>
    %w_flat = tensor.collapse_shape %weights [[0, 1]] : tensor<?x2xf32> into tensor<?xf32>
    %w_col = tensor.expand_shape %w_flat [[0, 1]] output_shape [%s, 1] : tensor<?xf32> into tensor<?x1xf32>
    %e_o = tensor.empty(%s) : tensor<?x64xf32>
    %ow = linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]} ins(%o, %w_col : tensor<?x64xbf16>, tensor<?x1xf32>) outs(%e_o : tensor<?x64xf32>) {
    ^bb0(%in: bf16, %in_0: f32, %out: f32):
      %0 = arith.extf %in : bf16 to f32
      %1 = arith.mulf %0, %in_0 : f32
      linalg.yield %1 : f32
    } -> tensor<?x64xf32>
    %o3 = tensor.expand_shape %ow [[0, 1], [2]] output_shape [%t, 2, 64] : tensor<?x64xf32> into tensor<?x2x64xf32>
    %z_y = linalg.fill ins(%zero : f32) outs(%e_f : tensor<?x64xf32>) -> tensor<?x64xf32>
    %y32 = linalg.generic {indexing_maps = [#id3, #rep], iterator_types = ["parallel", "reduction", "parallel"]} ins(%o3 : tensor<?x2x64xf32>) outs(%z_y : tensor<?x64xf32>) {
    ^bb0(%in: f32, %out: f32):
      %0 = arith.addf %in, %out : f32
      linalg.yield %0 : f32
    } -> tensor<?x64xf32>
    %y = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%y32 : tensor<?x64xf32>) outs(%e_b : tensor<?x64xbf16>) {
    ^bb0(%in: f32, %out: bf16):
      %0 = arith.truncf %in : f32 to bf16
      linalg.yield %0 : bf16
    } -> tensor<?x64xbf16>
    return %y : tensor<?x64xbf16>
  }
}

// REPORT-DAG: remark: RMSNorm raised to moe.rms_norm
// REPORT-DAG: remark: router raised to moe.gate top_k 2 softmax renormalize
// REPORT-DAG: remark: experts raised to moe.experts

// CHECK-LABEL: func.func @qwen3_moe
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xbf16>, %[[NORM_W:.*]]: tensor<64xbf16>, %[[ROUTER_W:.*]]: tensor<8x64xbf16>, %[[GATE_UP:.*]]: tensor<8x64x64xbf16>, %[[DOWN:.*]]: tensor<8x64x32xbf16>)
// CHECK: %[[NORMED:.*]] = moe.rms_norm %[[X]], %[[NORM_W]] eps 9.99999997E-7 : tensor<?x64xbf16>, tensor<64xbf16>
// CHECK: linalg.matmul ins(%[[NORMED]],
// CHECK: %[[LOGITS:.*]] = linalg.generic
// CHECK: arith.truncf
// CHECK: %[[W:.*]], %[[IDS:.*]] = moe.gate %[[LOGITS]] top_k 2 softmax renormalize
// CHECK-NOT: tm_tensor.sort
// CHECK-NOT: linalg.batch_matmul
// CHECK: %[[Y:.*]] = moe.experts %[[NORMED]], %[[GATE_UP]], %[[DOWN]], %[[W]], %[[IDS]] activation <silu_mul>
// CHECK-NOT: linalg.generic
// CHECK: return %[[Y]] : tensor<?x64xbf16>
