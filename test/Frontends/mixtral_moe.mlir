// Hugging Face Mixtral's MoE layer input (transformers 5.17,
// MixtralSparseMoeBlock, `batched_mm` experts): the Qwen3-MoE fixture
// (qwen3_moe.mlir, the same torch-mlir forms) but softmax without dtype, so
// the scores, their sort and the top-k values are bf16 (each softmax step a
// bf16 generic) and only the top-k values are widened to f32 (HF's routing
// weights). moe.gate scores in f32, which would round differently: the router
// stays as it is and reports why; the RMSNorm and the experts are raised.
// RUN: moe-opt --moe-raise-linalg %s | FileCheck %s
// RUN: moe-opt --moe-raise-linalg=report -mlir-print-op-on-diagnostic=false %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT

// REPORT-DAG: remark: RMSNorm raised to moe.rms_norm
// REPORT-DAG: remark: router not raised: the scores are not f32 (moe.gate scores in f32; a narrower score type would round differently), nor logits whose top-k values go through a softmax
// REPORT-DAG: remark: experts raised to moe.experts

// CHECK-LABEL: func.func @mixtral_moe
// CHECK: moe.rms_norm
// CHECK-NOT: moe.gate
// CHECK: tm_tensor.sort
// CHECK: %[[Y:.*]] = moe.experts
// CHECK: return %[[Y]]
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#row = affine_map<(d0, d1) -> (d0, 0)>
#rowd = affine_map<(d0, d1) -> (d0)>
#col = affine_map<(d0, d1) -> (d1)>
#scalar = affine_map<(d0, d1) -> ()>
#lead = affine_map<(d0, d1, d2) -> (d0)>
#rep = affine_map<(d0, d1, d2) -> (d0, d2)>
module {
  func.func @mixtral_moe(%x: tensor<?x64xbf16>, %norm_w: tensor<64xbf16>, %router_w: tensor<8x64xbf16>, %gate_up: tensor<8x64x64xbf16>, %down: tensor<8x64x32xbf16>) -> tensor<?x64xbf16> {
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
    %e_v = tensor.empty(%t) : tensor<?xf32>
    %f_v = linalg.fill ins(%ninf : f32) outs(%e_v : tensor<?xf32>) -> tensor<?xf32>
    %e_i = tensor.empty(%t) : tensor<?xi64>
    %f_i = linalg.fill ins(%c0_i64 : i64) outs(%e_i : tensor<?xi64>) -> tensor<?xi64>
    %mx:2 = linalg.generic {indexing_maps = [#id2, #rowd, #rowd], iterator_types = ["parallel", "reduction"]} ins(%logits : tensor<?x8xbf16>) outs(%f_v, %f_i : tensor<?xf32>, tensor<?xi64>) {
    ^bb0(%in: bf16, %out: f32, %out_0: i64):
      %in32 = arith.extf %in : bf16 to f32
      %0 = linalg.index 1 : index
      %1 = arith.index_cast %0 : index to i64
      %2 = arith.maximumf %in32, %out : f32
      %3 = arith.cmpf ogt, %in32, %out : f32
      %4 = arith.select %3, %1, %out_0 : i64
      linalg.yield %2, %4 : f32, i64
    } -> (tensor<?xf32>, tensor<?xi64>)
    %mk = tensor.expand_shape %mx#0 [[0, 1]] output_shape [%t, 1] : tensor<?xf32> into tensor<?x1xf32>
    %sub = linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]} ins(%logits, %mk : tensor<?x8xbf16>, tensor<?x1xf32>) outs(%e_lb : tensor<?x8xbf16>) {
    ^bb0(%in: bf16, %in_0: f32, %out: bf16):
      %in32 = arith.extf %in : bf16 to f32
      %0 = arith.subf %in32, %in_0 : f32
      %1 = arith.truncf %0 : f32 to bf16
      linalg.yield %1 : bf16
    } -> tensor<?x8xbf16>
    %exp = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%sub : tensor<?x8xbf16>) outs(%e_lb : tensor<?x8xbf16>) {
    ^bb0(%in: bf16, %out: bf16):
      %0 = math.exp %in : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x8xbf16>
    %e_rb = tensor.empty(%t) : tensor<?x1xbf16>
    %z_rb = linalg.fill ins(%zero_bf : bf16) outs(%e_rb : tensor<?x1xbf16>) -> tensor<?x1xbf16>
    %esum = linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]} ins(%exp : tensor<?x8xbf16>) outs(%z_rb : tensor<?x1xbf16>) {
    ^bb0(%in: bf16, %out: bf16):
      %0 = arith.addf %in, %out : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x1xbf16>
    %probs = linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]} ins(%exp, %esum : tensor<?x8xbf16>, tensor<?x1xbf16>) outs(%e_lb : tensor<?x8xbf16>) {
    ^bb0(%in: bf16, %in_0: bf16, %out: bf16):
      %0 = arith.divf %in, %in_0 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x8xbf16>
    %e_io = tensor.empty(%t) : tensor<?x8xi64>
    %iota = linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]} outs(%e_io : tensor<?x8xi64>) {
    ^bb0(%out: i64):
      %0 = linalg.index 1 : index
      %1 = arith.index_cast %0 : index to i64
      linalg.yield %1 : i64
    } -> tensor<?x8xi64>
    %sorted:2 = tm_tensor.sort dimension(1) outs(%probs, %iota : tensor<?x8xbf16>, tensor<?x8xi64>) {
    ^bb0(%a: bf16, %b: bf16, %ia: i64, %ib: i64):
      %0 = arith.cmpf oge, %a, %b : bf16
      tm_tensor.yield %0 : i1
    } -> tensor<?x8xbf16>, tensor<?x8xi64>
    %top_vb = tensor.extract_slice %sorted#0[0, 0] [%t, 2] [1, 1] : tensor<?x8xbf16> to tensor<?x2xbf16>
    %e_tv = tensor.empty(%t) : tensor<?x2xf32>
    %top_v = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%top_vb : tensor<?x2xbf16>) outs(%e_tv : tensor<?x2xf32>) {
    ^bb0(%in: bf16, %out: f32):
      %0 = arith.extf %in : bf16 to f32
      linalg.yield %0 : f32
    } -> tensor<?x2xf32>
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
