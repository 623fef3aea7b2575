// Cases where --moe-raise-linalg must not raise gpt-oss's experts, each the
// gpt-oss fixture (gpt_oss_moe.mlir, same torch-mlir forms) with one change,
// and the reason it reports (the router is raised in each):
// - negative_clamp_mismatch: up clamped to [-6, 6] but the gate to 7:
//   SwiGLU-OAI has one limit;
// - negative_scatter_into_input: index_add_ into the hidden states (a
//   residual add folded into the combine), not into zeros;
// - negative_bias_other_ids: down_proj_bias gathered by the token index,
//   not by the expert ids.
// RUN: moe-opt --split-input-file --moe-raise-linalg=report -mlir-print-op-on-diagnostic=false %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: moe-opt --split-input-file --moe-raise-linalg %s | FileCheck %s

// REPORT: remark: router raised to moe.gate top_k 4 softmax renormalize
// REPORT: remark: experts not raised: the down projection's input is not silu(gate) * up of the two halves of one tensor, nor gpt-oss's SwiGLU of its even and odd columns
// REPORT: remark: router raised to moe.gate top_k 4 softmax renormalize
// REPORT: remark: experts not raised: the scatter does not add into a [T, H] tensor of zeros
// REPORT: remark: router raised to moe.gate top_k 4 softmax renormalize
// REPORT: remark: experts not raised: the expert biases are not one after each product, gathered by the same expert ids

// CHECK-LABEL: func.func @negative_clamp_mismatch
// CHECK: moe.gate
// CHECK-NOT: moe.experts
// CHECK: tm_tensor.scatter
// CHECK-LABEL: func.func @negative_scatter_into_input
// CHECK: moe.gate
// CHECK-NOT: moe.experts
// CHECK: tm_tensor.scatter
// CHECK-LABEL: func.func @negative_bias_other_ids
// CHECK: moe.gate
// CHECK-NOT: moe.experts
// CHECK: tm_tensor.scatter
#id1 = affine_map<(d0) -> (d0)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#row = affine_map<(d0, d1) -> (d0, 0)>
#rowd = affine_map<(d0, d1) -> (d0)>
#col = affine_map<(d0, d1) -> (d1)>
#lead = affine_map<(d0, d1, d2) -> (d0)>
module {
  func.func @negative_clamp_mismatch(%x: tensor<?x64xbf16>, %router_w: tensor<16x64xbf16>, %router_b: tensor<16xbf16>,
                         %gate_up: tensor<16x64x96xbf16>, %gate_up_b: tensor<16x96xbf16>,
                         %down: tensor<16x48x64xbf16>, %down_b: tensor<16x64xbf16>) -> tensor<?x64xbf16> {
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

    // Experts: batched_mm_experts_forward (index_add_ form).
    %c4 = arith.constant 4 : index
    %c1_i64 = arith.constant 1 : i64
    %c16_i64 = arith.constant 16 : i64
    %zero_bf = arith.constant 0.000000e+00 : bf16
    %one_bf = arith.constant 1.000000e+00 : bf16
    %limit64 = arith.constant 7.000000e+00 : f64
    %nlimit64 = arith.constant -6.000000e+00 : f64
    %alpha64 = arith.constant 1.702000e+00 : f64
    %limit = arith.truncf %limit64 : f64 to bf16
    %nlimit = arith.truncf %nlimit64 : f64 to bf16
    %alpha = arith.truncf %alpha64 : f64 to bf16
    %s = arith.muli %t, %c4 : index
    %t_i64 = arith.index_cast %t : index to i64
    %ids_flat = tensor.collapse_shape %top_i [[0, 1]] : tensor<?x4xi64> into tensor<?xi64>
    %e_ar = tensor.empty(%t) : tensor<?xi64>
    %arange = linalg.generic {indexing_maps = [#id1], iterator_types = ["parallel"]} outs(%e_ar : tensor<?xi64>) {
    ^bb0(%out: i64):
      %0 = linalg.index 0 : index
      %1 = arith.index_cast %0 : index to i64
      %2 = arith.muli %1, %c1_i64 : i64
      %3 = arith.addi %c0_i64, %2 : i64
      linalg.yield %3 : i64
    } -> tensor<?xi64>
    %ar2 = tensor.expand_shape %arange [[0, 1]] output_shape [%t, 1] : tensor<?xi64> into tensor<?x1xi64>
    %e_tk = tensor.empty(%t) : tensor<?x4xi64>
    %tok2 = linalg.generic {indexing_maps = [#row, #id2], iterator_types = ["parallel", "parallel"]} ins(%ar2 : tensor<?x1xi64>) outs(%e_tk : tensor<?x4xi64>) {
    ^bb0(%in: i64, %out: i64):
      linalg.yield %in : i64
    } -> tensor<?x4xi64>
    %tok = tensor.collapse_shape %tok2 [[0, 1]] : tensor<?x4xi64> into tensor<?xi64>
    %w_flat = tensor.collapse_shape %weights [[0, 1]] : tensor<?x4xbf16> into tensor<?xbf16>
    %e_xs = tensor.empty(%s) : tensor<?x64xbf16>
    %xs = linalg.generic {indexing_maps = [#rowd, #id2], iterator_types = ["parallel", "parallel"]} ins(%tok : tensor<?xi64>) outs(%e_xs : tensor<?x64xbf16>) {
    ^bb0(%in: i64, %out: bf16):
      %0 = arith.cmpi slt, %in, %c0_i64 : i64
      %1 = arith.addi %in, %t_i64 : i64
      %2 = arith.select %0, %1, %in : i64
      %3 = arith.index_cast %2 : i64 to index
      %4 = linalg.index 1 : index
      %extracted = tensor.extract %x[%3, %4] : tensor<?x64xbf16>
      linalg.yield %extracted : bf16
    } -> tensor<?x64xbf16>
    %e_w1g = tensor.empty(%s) : tensor<?x64x96xbf16>
    %w1g = linalg.generic {indexing_maps = [#lead, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ids_flat : tensor<?xi64>) outs(%e_w1g : tensor<?x64x96xbf16>) {
    ^bb0(%in: i64, %out: bf16):
      %0 = arith.cmpi slt, %in, %c0_i64 : i64
      %1 = arith.addi %in, %c16_i64 : i64
      %2 = arith.select %0, %1, %in : i64
      %3 = arith.index_cast %2 : i64 to index
      %4 = linalg.index 1 : index
      %5 = linalg.index 2 : index
      %extracted = tensor.extract %gate_up[%3, %4, %5] : tensor<16x64x96xbf16>
      linalg.yield %extracted : bf16
    } -> tensor<?x64x96xbf16>
    %xrow = tensor.expand_shape %xs [[0, 1], [2]] output_shape [%s, 1, 64] : tensor<?x64xbf16> into tensor<?x1x64xbf16>
    %e_p1 = tensor.empty(%s) : tensor<?x1x96xf32>
    %z_p1 = linalg.fill ins(%zero : f32) outs(%e_p1 : tensor<?x1x96xf32>) -> tensor<?x1x96xf32>
    %p1 = linalg.batch_matmul ins(%xrow, %w1g : tensor<?x1x64xbf16>, tensor<?x64x96xbf16>) outs(%z_p1 : tensor<?x1x96xf32>) -> tensor<?x1x96xf32>
    %e_p1b = tensor.empty(%s) : tensor<?x1x96xbf16>
    %p1b = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%p1 : tensor<?x1x96xf32>) outs(%e_p1b : tensor<?x1x96xbf16>) {
    ^bb0(%in: f32, %out: bf16):
      %0 = arith.truncf %in : f32 to bf16
      linalg.yield %0 : bf16
    } -> tensor<?x1x96xbf16>
    %gu0 = tensor.collapse_shape %p1b [[0, 1], [2]] : tensor<?x1x96xbf16> into tensor<?x96xbf16>
    %e_b1g = tensor.empty(%s) : tensor<?x96xbf16>
    %b1g = linalg.generic {indexing_maps = [#rowd, #id2], iterator_types = ["parallel", "parallel"]} ins(%ids_flat : tensor<?xi64>) outs(%e_b1g : tensor<?x96xbf16>) {
    ^bb0(%in: i64, %out: bf16):
      %0 = arith.cmpi slt, %in, %c0_i64 : i64
      %1 = arith.addi %in, %c16_i64 : i64
      %2 = arith.select %0, %1, %in : i64
      %3 = arith.index_cast %2 : i64 to index
      %4 = linalg.index 1 : index
      %extracted = tensor.extract %gate_up_b[%3, %4] : tensor<16x96xbf16>
      linalg.yield %extracted : bf16
    } -> tensor<?x96xbf16>
    %gu = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%gu0, %b1g : tensor<?x96xbf16>, tensor<?x96xbf16>) outs(%e_b1g : tensor<?x96xbf16>) {
    ^bb0(%in0: bf16, %in1: bf16, %out: bf16):
      %0 = arith.addf %in0, %in1 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x96xbf16>
    %gate = tensor.extract_slice %gu[0, 0] [%s, 48] [1, 2] : tensor<?x96xbf16> to tensor<?x48xbf16>
    %up = tensor.extract_slice %gu[0, 1] [%s, 48] [1, 2] : tensor<?x96xbf16> to tensor<?x48xbf16>
    %e_a = tensor.empty(%s) : tensor<?x48xbf16>
    %gc = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%gate : tensor<?x48xbf16>) outs(%e_a : tensor<?x48xbf16>) {
    ^bb0(%in0: bf16, %out: bf16):
      %0 = arith.cmpf ugt, %in0, %limit : bf16
      %1 = arith.select %0, %limit, %in0 : bf16
      linalg.yield %1 : bf16
    } -> tensor<?x48xbf16>
    %uc = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%up : tensor<?x48xbf16>) outs(%e_a : tensor<?x48xbf16>) {
    ^bb0(%in0: bf16, %out: bf16):
      %0 = arith.cmpf ult, %in0, %nlimit : bf16
      %1 = arith.select %0, %nlimit, %in0 : bf16
      %2 = arith.cmpf ugt, %1, %limit : bf16
      %3 = arith.select %2, %limit, %1 : bf16
      linalg.yield %3 : bf16
    } -> tensor<?x48xbf16>
    %ga = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%gc : tensor<?x48xbf16>) outs(%e_a : tensor<?x48xbf16>) {
    ^bb0(%in0: bf16, %out: bf16):
      %0 = arith.mulf %in0, %alpha : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x48xbf16>
    %sg = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%ga : tensor<?x48xbf16>) outs(%e_a : tensor<?x48xbf16>) {
    ^bb0(%in0: bf16, %out: bf16):
      %0 = arith.negf %in0 : bf16
      %1 = math.exp %0 : bf16
      %2 = arith.addf %1, %one_bf : bf16
      %3 = arith.divf %one_bf, %2 : bf16
      linalg.yield %3 : bf16
    } -> tensor<?x48xbf16>
    %glu = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%gc, %sg : tensor<?x48xbf16>, tensor<?x48xbf16>) outs(%e_a : tensor<?x48xbf16>) {
    ^bb0(%in0: bf16, %in1: bf16, %out: bf16):
      %0 = arith.mulf %in0, %in1 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x48xbf16>
    %u1 = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%uc : tensor<?x48xbf16>) outs(%e_a : tensor<?x48xbf16>) {
    ^bb0(%in0: bf16, %out: bf16):
      %0 = arith.addf %in0, %one_bf : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x48xbf16>
    %act = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%u1, %glu : tensor<?x48xbf16>, tensor<?x48xbf16>) outs(%e_a : tensor<?x48xbf16>) {
    ^bb0(%in0: bf16, %in1: bf16, %out: bf16):
      %0 = arith.mulf %in0, %in1 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x48xbf16>
    %e_w2g = tensor.empty(%s) : tensor<?x48x64xbf16>
    %w2g = linalg.generic {indexing_maps = [#lead, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ids_flat : tensor<?xi64>) outs(%e_w2g : tensor<?x48x64xbf16>) {
    ^bb0(%in: i64, %out: bf16):
      %0 = arith.cmpi slt, %in, %c0_i64 : i64
      %1 = arith.addi %in, %c16_i64 : i64
      %2 = arith.select %0, %1, %in : i64
      %3 = arith.index_cast %2 : i64 to index
      %4 = linalg.index 1 : index
      %5 = linalg.index 2 : index
      %extracted = tensor.extract %down[%3, %4, %5] : tensor<16x48x64xbf16>
      linalg.yield %extracted : bf16
    } -> tensor<?x48x64xbf16>
    %arow = tensor.expand_shape %act [[0, 1], [2]] output_shape [%s, 1, 48] : tensor<?x48xbf16> into tensor<?x1x48xbf16>
    %e_p2 = tensor.empty(%s) : tensor<?x1x64xf32>
    %z_p2 = linalg.fill ins(%zero : f32) outs(%e_p2 : tensor<?x1x64xf32>) -> tensor<?x1x64xf32>
    %p2 = linalg.batch_matmul ins(%arow, %w2g : tensor<?x1x48xbf16>, tensor<?x48x64xbf16>) outs(%z_p2 : tensor<?x1x64xf32>) -> tensor<?x1x64xf32>
    %e_p2b = tensor.empty(%s) : tensor<?x1x64xbf16>
    %p2b = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%p2 : tensor<?x1x64xf32>) outs(%e_p2b : tensor<?x1x64xbf16>) {
    ^bb0(%in: f32, %out: bf16):
      %0 = arith.truncf %in : f32 to bf16
      linalg.yield %0 : bf16
    } -> tensor<?x1x64xbf16>
    %o0 = tensor.collapse_shape %p2b [[0, 1], [2]] : tensor<?x1x64xbf16> into tensor<?x64xbf16>
    %e_b2g = tensor.empty(%s) : tensor<?x64xbf16>
    %b2g = linalg.generic {indexing_maps = [#rowd, #id2], iterator_types = ["parallel", "parallel"]} ins(%ids_flat : tensor<?xi64>) outs(%e_b2g : tensor<?x64xbf16>) {
    ^bb0(%in: i64, %out: bf16):
      %0 = arith.cmpi slt, %in, %c0_i64 : i64
      %1 = arith.addi %in, %c16_i64 : i64
      %2 = arith.select %0, %1, %in : i64
      %3 = arith.index_cast %2 : i64 to index
      %4 = linalg.index 1 : index
      %extracted = tensor.extract %down_b[%3, %4] : tensor<16x64xbf16>
      linalg.yield %extracted : bf16
    } -> tensor<?x64xbf16>
    %o = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%o0, %b2g : tensor<?x64xbf16>, tensor<?x64xbf16>) outs(%e_b2g : tensor<?x64xbf16>) {
    ^bb0(%in0: bf16, %in1: bf16, %out: bf16):
      %0 = arith.addf %in0, %in1 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x64xbf16>
    %w_col = tensor.expand_shape %w_flat [[0, 1]] output_shape [%s, 1] : tensor<?xbf16> into tensor<?x1xbf16>
    %e_o = tensor.empty(%s) : tensor<?x64xbf16>
    %ow = linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]} ins(%o, %w_col : tensor<?x64xbf16>, tensor<?x1xbf16>) outs(%e_o : tensor<?x64xbf16>) {
    ^bb0(%in0: bf16, %in1: bf16, %out: bf16):
      %0 = arith.mulf %in0, %in1 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x64xbf16>
    %e_y = tensor.empty(%t) : tensor<?x64xbf16>
    %zeros = linalg.fill ins(%zero_bf : bf16) outs(%e_y : tensor<?x64xbf16>) -> tensor<?x64xbf16>
    %idx = tensor.expand_shape %tok [[0, 1]] output_shape [%s, 1] : tensor<?xi64> into tensor<?x1xi64>
    %upd = tensor.expand_shape %ow [[0, 1], [2]] output_shape [%s, 1, 64] : tensor<?x64xbf16> into tensor<?x1x64xbf16>
    %y = tm_tensor.scatter {dimension_map = array<i64: 0>} unique_indices(false) ins(%upd, %idx : tensor<?x1x64xbf16>, tensor<?x1xi64>) outs(%zeros : tensor<?x64xbf16>) {
    ^bb0(%u: bf16, %orig: bf16):
      %0 = arith.addf %orig, %u : bf16
      tm_tensor.yield %0 : bf16
    } -> tensor<?x64xbf16>
    return %y : tensor<?x64xbf16>
  }
}

// -----

#id1 = affine_map<(d0) -> (d0)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#row = affine_map<(d0, d1) -> (d0, 0)>
#rowd = affine_map<(d0, d1) -> (d0)>
#col = affine_map<(d0, d1) -> (d1)>
#lead = affine_map<(d0, d1, d2) -> (d0)>
module {
  func.func @negative_scatter_into_input(%x: tensor<?x64xbf16>, %router_w: tensor<16x64xbf16>, %router_b: tensor<16xbf16>,
                         %gate_up: tensor<16x64x96xbf16>, %gate_up_b: tensor<16x96xbf16>,
                         %down: tensor<16x48x64xbf16>, %down_b: tensor<16x64xbf16>) -> tensor<?x64xbf16> {
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

    // Experts: batched_mm_experts_forward (index_add_ form).
    %c4 = arith.constant 4 : index
    %c1_i64 = arith.constant 1 : i64
    %c16_i64 = arith.constant 16 : i64
    %zero_bf = arith.constant 0.000000e+00 : bf16
    %one_bf = arith.constant 1.000000e+00 : bf16
    %limit64 = arith.constant 7.000000e+00 : f64
    %nlimit64 = arith.constant -7.000000e+00 : f64
    %alpha64 = arith.constant 1.702000e+00 : f64
    %limit = arith.truncf %limit64 : f64 to bf16
    %nlimit = arith.truncf %nlimit64 : f64 to bf16
    %alpha = arith.truncf %alpha64 : f64 to bf16
    %s = arith.muli %t, %c4 : index
    %t_i64 = arith.index_cast %t : index to i64
    %ids_flat = tensor.collapse_shape %top_i [[0, 1]] : tensor<?x4xi64> into tensor<?xi64>
    %e_ar = tensor.empty(%t) : tensor<?xi64>
    %arange = linalg.generic {indexing_maps = [#id1], iterator_types = ["parallel"]} outs(%e_ar : tensor<?xi64>) {
    ^bb0(%out: i64):
      %0 = linalg.index 0 : index
      %1 = arith.index_cast %0 : index to i64
      %2 = arith.muli %1, %c1_i64 : i64
      %3 = arith.addi %c0_i64, %2 : i64
      linalg.yield %3 : i64
    } -> tensor<?xi64>
    %ar2 = tensor.expand_shape %arange [[0, 1]] output_shape [%t, 1] : tensor<?xi64> into tensor<?x1xi64>
    %e_tk = tensor.empty(%t) : tensor<?x4xi64>
    %tok2 = linalg.generic {indexing_maps = [#row, #id2], iterator_types = ["parallel", "parallel"]} ins(%ar2 : tensor<?x1xi64>) outs(%e_tk : tensor<?x4xi64>) {
    ^bb0(%in: i64, %out: i64):
      linalg.yield %in : i64
    } -> tensor<?x4xi64>
    %tok = tensor.collapse_shape %tok2 [[0, 1]] : tensor<?x4xi64> into tensor<?xi64>
    %w_flat = tensor.collapse_shape %weights [[0, 1]] : tensor<?x4xbf16> into tensor<?xbf16>
    %e_xs = tensor.empty(%s) : tensor<?x64xbf16>
    %xs = linalg.generic {indexing_maps = [#rowd, #id2], iterator_types = ["parallel", "parallel"]} ins(%tok : tensor<?xi64>) outs(%e_xs : tensor<?x64xbf16>) {
    ^bb0(%in: i64, %out: bf16):
      %0 = arith.cmpi slt, %in, %c0_i64 : i64
      %1 = arith.addi %in, %t_i64 : i64
      %2 = arith.select %0, %1, %in : i64
      %3 = arith.index_cast %2 : i64 to index
      %4 = linalg.index 1 : index
      %extracted = tensor.extract %x[%3, %4] : tensor<?x64xbf16>
      linalg.yield %extracted : bf16
    } -> tensor<?x64xbf16>
    %e_w1g = tensor.empty(%s) : tensor<?x64x96xbf16>
    %w1g = linalg.generic {indexing_maps = [#lead, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ids_flat : tensor<?xi64>) outs(%e_w1g : tensor<?x64x96xbf16>) {
    ^bb0(%in: i64, %out: bf16):
      %0 = arith.cmpi slt, %in, %c0_i64 : i64
      %1 = arith.addi %in, %c16_i64 : i64
      %2 = arith.select %0, %1, %in : i64
      %3 = arith.index_cast %2 : i64 to index
      %4 = linalg.index 1 : index
      %5 = linalg.index 2 : index
      %extracted = tensor.extract %gate_up[%3, %4, %5] : tensor<16x64x96xbf16>
      linalg.yield %extracted : bf16
    } -> tensor<?x64x96xbf16>
    %xrow = tensor.expand_shape %xs [[0, 1], [2]] output_shape [%s, 1, 64] : tensor<?x64xbf16> into tensor<?x1x64xbf16>
    %e_p1 = tensor.empty(%s) : tensor<?x1x96xf32>
    %z_p1 = linalg.fill ins(%zero : f32) outs(%e_p1 : tensor<?x1x96xf32>) -> tensor<?x1x96xf32>
    %p1 = linalg.batch_matmul ins(%xrow, %w1g : tensor<?x1x64xbf16>, tensor<?x64x96xbf16>) outs(%z_p1 : tensor<?x1x96xf32>) -> tensor<?x1x96xf32>
    %e_p1b = tensor.empty(%s) : tensor<?x1x96xbf16>
    %p1b = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%p1 : tensor<?x1x96xf32>) outs(%e_p1b : tensor<?x1x96xbf16>) {
    ^bb0(%in: f32, %out: bf16):
      %0 = arith.truncf %in : f32 to bf16
      linalg.yield %0 : bf16
    } -> tensor<?x1x96xbf16>
    %gu0 = tensor.collapse_shape %p1b [[0, 1], [2]] : tensor<?x1x96xbf16> into tensor<?x96xbf16>
    %e_b1g = tensor.empty(%s) : tensor<?x96xbf16>
    %b1g = linalg.generic {indexing_maps = [#rowd, #id2], iterator_types = ["parallel", "parallel"]} ins(%ids_flat : tensor<?xi64>) outs(%e_b1g : tensor<?x96xbf16>) {
    ^bb0(%in: i64, %out: bf16):
      %0 = arith.cmpi slt, %in, %c0_i64 : i64
      %1 = arith.addi %in, %c16_i64 : i64
      %2 = arith.select %0, %1, %in : i64
      %3 = arith.index_cast %2 : i64 to index
      %4 = linalg.index 1 : index
      %extracted = tensor.extract %gate_up_b[%3, %4] : tensor<16x96xbf16>
      linalg.yield %extracted : bf16
    } -> tensor<?x96xbf16>
    %gu = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%gu0, %b1g : tensor<?x96xbf16>, tensor<?x96xbf16>) outs(%e_b1g : tensor<?x96xbf16>) {
    ^bb0(%in0: bf16, %in1: bf16, %out: bf16):
      %0 = arith.addf %in0, %in1 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x96xbf16>
    %gate = tensor.extract_slice %gu[0, 0] [%s, 48] [1, 2] : tensor<?x96xbf16> to tensor<?x48xbf16>
    %up = tensor.extract_slice %gu[0, 1] [%s, 48] [1, 2] : tensor<?x96xbf16> to tensor<?x48xbf16>
    %e_a = tensor.empty(%s) : tensor<?x48xbf16>
    %gc = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%gate : tensor<?x48xbf16>) outs(%e_a : tensor<?x48xbf16>) {
    ^bb0(%in0: bf16, %out: bf16):
      %0 = arith.cmpf ugt, %in0, %limit : bf16
      %1 = arith.select %0, %limit, %in0 : bf16
      linalg.yield %1 : bf16
    } -> tensor<?x48xbf16>
    %uc = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%up : tensor<?x48xbf16>) outs(%e_a : tensor<?x48xbf16>) {
    ^bb0(%in0: bf16, %out: bf16):
      %0 = arith.cmpf ult, %in0, %nlimit : bf16
      %1 = arith.select %0, %nlimit, %in0 : bf16
      %2 = arith.cmpf ugt, %1, %limit : bf16
      %3 = arith.select %2, %limit, %1 : bf16
      linalg.yield %3 : bf16
    } -> tensor<?x48xbf16>
    %ga = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%gc : tensor<?x48xbf16>) outs(%e_a : tensor<?x48xbf16>) {
    ^bb0(%in0: bf16, %out: bf16):
      %0 = arith.mulf %in0, %alpha : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x48xbf16>
    %sg = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%ga : tensor<?x48xbf16>) outs(%e_a : tensor<?x48xbf16>) {
    ^bb0(%in0: bf16, %out: bf16):
      %0 = arith.negf %in0 : bf16
      %1 = math.exp %0 : bf16
      %2 = arith.addf %1, %one_bf : bf16
      %3 = arith.divf %one_bf, %2 : bf16
      linalg.yield %3 : bf16
    } -> tensor<?x48xbf16>
    %glu = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%gc, %sg : tensor<?x48xbf16>, tensor<?x48xbf16>) outs(%e_a : tensor<?x48xbf16>) {
    ^bb0(%in0: bf16, %in1: bf16, %out: bf16):
      %0 = arith.mulf %in0, %in1 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x48xbf16>
    %u1 = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%uc : tensor<?x48xbf16>) outs(%e_a : tensor<?x48xbf16>) {
    ^bb0(%in0: bf16, %out: bf16):
      %0 = arith.addf %in0, %one_bf : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x48xbf16>
    %act = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%u1, %glu : tensor<?x48xbf16>, tensor<?x48xbf16>) outs(%e_a : tensor<?x48xbf16>) {
    ^bb0(%in0: bf16, %in1: bf16, %out: bf16):
      %0 = arith.mulf %in0, %in1 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x48xbf16>
    %e_w2g = tensor.empty(%s) : tensor<?x48x64xbf16>
    %w2g = linalg.generic {indexing_maps = [#lead, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ids_flat : tensor<?xi64>) outs(%e_w2g : tensor<?x48x64xbf16>) {
    ^bb0(%in: i64, %out: bf16):
      %0 = arith.cmpi slt, %in, %c0_i64 : i64
      %1 = arith.addi %in, %c16_i64 : i64
      %2 = arith.select %0, %1, %in : i64
      %3 = arith.index_cast %2 : i64 to index
      %4 = linalg.index 1 : index
      %5 = linalg.index 2 : index
      %extracted = tensor.extract %down[%3, %4, %5] : tensor<16x48x64xbf16>
      linalg.yield %extracted : bf16
    } -> tensor<?x48x64xbf16>
    %arow = tensor.expand_shape %act [[0, 1], [2]] output_shape [%s, 1, 48] : tensor<?x48xbf16> into tensor<?x1x48xbf16>
    %e_p2 = tensor.empty(%s) : tensor<?x1x64xf32>
    %z_p2 = linalg.fill ins(%zero : f32) outs(%e_p2 : tensor<?x1x64xf32>) -> tensor<?x1x64xf32>
    %p2 = linalg.batch_matmul ins(%arow, %w2g : tensor<?x1x48xbf16>, tensor<?x48x64xbf16>) outs(%z_p2 : tensor<?x1x64xf32>) -> tensor<?x1x64xf32>
    %e_p2b = tensor.empty(%s) : tensor<?x1x64xbf16>
    %p2b = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%p2 : tensor<?x1x64xf32>) outs(%e_p2b : tensor<?x1x64xbf16>) {
    ^bb0(%in: f32, %out: bf16):
      %0 = arith.truncf %in : f32 to bf16
      linalg.yield %0 : bf16
    } -> tensor<?x1x64xbf16>
    %o0 = tensor.collapse_shape %p2b [[0, 1], [2]] : tensor<?x1x64xbf16> into tensor<?x64xbf16>
    %e_b2g = tensor.empty(%s) : tensor<?x64xbf16>
    %b2g = linalg.generic {indexing_maps = [#rowd, #id2], iterator_types = ["parallel", "parallel"]} ins(%ids_flat : tensor<?xi64>) outs(%e_b2g : tensor<?x64xbf16>) {
    ^bb0(%in: i64, %out: bf16):
      %0 = arith.cmpi slt, %in, %c0_i64 : i64
      %1 = arith.addi %in, %c16_i64 : i64
      %2 = arith.select %0, %1, %in : i64
      %3 = arith.index_cast %2 : i64 to index
      %4 = linalg.index 1 : index
      %extracted = tensor.extract %down_b[%3, %4] : tensor<16x64xbf16>
      linalg.yield %extracted : bf16
    } -> tensor<?x64xbf16>
    %o = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%o0, %b2g : tensor<?x64xbf16>, tensor<?x64xbf16>) outs(%e_b2g : tensor<?x64xbf16>) {
    ^bb0(%in0: bf16, %in1: bf16, %out: bf16):
      %0 = arith.addf %in0, %in1 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x64xbf16>
    %w_col = tensor.expand_shape %w_flat [[0, 1]] output_shape [%s, 1] : tensor<?xbf16> into tensor<?x1xbf16>
    %e_o = tensor.empty(%s) : tensor<?x64xbf16>
    %ow = linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]} ins(%o, %w_col : tensor<?x64xbf16>, tensor<?x1xbf16>) outs(%e_o : tensor<?x64xbf16>) {
    ^bb0(%in0: bf16, %in1: bf16, %out: bf16):
      %0 = arith.mulf %in0, %in1 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x64xbf16>
    %e_y = tensor.empty(%t) : tensor<?x64xbf16>
    %zeros = linalg.fill ins(%zero_bf : bf16) outs(%e_y : tensor<?x64xbf16>) -> tensor<?x64xbf16>
    %idx = tensor.expand_shape %tok [[0, 1]] output_shape [%s, 1] : tensor<?xi64> into tensor<?x1xi64>
    %upd = tensor.expand_shape %ow [[0, 1], [2]] output_shape [%s, 1, 64] : tensor<?x64xbf16> into tensor<?x1x64xbf16>
    %y = tm_tensor.scatter {dimension_map = array<i64: 0>} unique_indices(false) ins(%upd, %idx : tensor<?x1x64xbf16>, tensor<?x1xi64>) outs(%x : tensor<?x64xbf16>) {
    ^bb0(%u: bf16, %orig: bf16):
      %0 = arith.addf %orig, %u : bf16
      tm_tensor.yield %0 : bf16
    } -> tensor<?x64xbf16>
    return %y : tensor<?x64xbf16>
  }
}

// -----

#id1 = affine_map<(d0) -> (d0)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#row = affine_map<(d0, d1) -> (d0, 0)>
#rowd = affine_map<(d0, d1) -> (d0)>
#col = affine_map<(d0, d1) -> (d1)>
#lead = affine_map<(d0, d1, d2) -> (d0)>
module {
  func.func @negative_bias_other_ids(%x: tensor<?x64xbf16>, %router_w: tensor<16x64xbf16>, %router_b: tensor<16xbf16>,
                         %gate_up: tensor<16x64x96xbf16>, %gate_up_b: tensor<16x96xbf16>,
                         %down: tensor<16x48x64xbf16>, %down_b: tensor<16x64xbf16>) -> tensor<?x64xbf16> {
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

    // Experts: batched_mm_experts_forward (index_add_ form).
    %c4 = arith.constant 4 : index
    %c1_i64 = arith.constant 1 : i64
    %c16_i64 = arith.constant 16 : i64
    %zero_bf = arith.constant 0.000000e+00 : bf16
    %one_bf = arith.constant 1.000000e+00 : bf16
    %limit64 = arith.constant 7.000000e+00 : f64
    %nlimit64 = arith.constant -7.000000e+00 : f64
    %alpha64 = arith.constant 1.702000e+00 : f64
    %limit = arith.truncf %limit64 : f64 to bf16
    %nlimit = arith.truncf %nlimit64 : f64 to bf16
    %alpha = arith.truncf %alpha64 : f64 to bf16
    %s = arith.muli %t, %c4 : index
    %t_i64 = arith.index_cast %t : index to i64
    %ids_flat = tensor.collapse_shape %top_i [[0, 1]] : tensor<?x4xi64> into tensor<?xi64>
    %e_ar = tensor.empty(%t) : tensor<?xi64>
    %arange = linalg.generic {indexing_maps = [#id1], iterator_types = ["parallel"]} outs(%e_ar : tensor<?xi64>) {
    ^bb0(%out: i64):
      %0 = linalg.index 0 : index
      %1 = arith.index_cast %0 : index to i64
      %2 = arith.muli %1, %c1_i64 : i64
      %3 = arith.addi %c0_i64, %2 : i64
      linalg.yield %3 : i64
    } -> tensor<?xi64>
    %ar2 = tensor.expand_shape %arange [[0, 1]] output_shape [%t, 1] : tensor<?xi64> into tensor<?x1xi64>
    %e_tk = tensor.empty(%t) : tensor<?x4xi64>
    %tok2 = linalg.generic {indexing_maps = [#row, #id2], iterator_types = ["parallel", "parallel"]} ins(%ar2 : tensor<?x1xi64>) outs(%e_tk : tensor<?x4xi64>) {
    ^bb0(%in: i64, %out: i64):
      linalg.yield %in : i64
    } -> tensor<?x4xi64>
    %tok = tensor.collapse_shape %tok2 [[0, 1]] : tensor<?x4xi64> into tensor<?xi64>
    %w_flat = tensor.collapse_shape %weights [[0, 1]] : tensor<?x4xbf16> into tensor<?xbf16>
    %e_xs = tensor.empty(%s) : tensor<?x64xbf16>
    %xs = linalg.generic {indexing_maps = [#rowd, #id2], iterator_types = ["parallel", "parallel"]} ins(%tok : tensor<?xi64>) outs(%e_xs : tensor<?x64xbf16>) {
    ^bb0(%in: i64, %out: bf16):
      %0 = arith.cmpi slt, %in, %c0_i64 : i64
      %1 = arith.addi %in, %t_i64 : i64
      %2 = arith.select %0, %1, %in : i64
      %3 = arith.index_cast %2 : i64 to index
      %4 = linalg.index 1 : index
      %extracted = tensor.extract %x[%3, %4] : tensor<?x64xbf16>
      linalg.yield %extracted : bf16
    } -> tensor<?x64xbf16>
    %e_w1g = tensor.empty(%s) : tensor<?x64x96xbf16>
    %w1g = linalg.generic {indexing_maps = [#lead, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ids_flat : tensor<?xi64>) outs(%e_w1g : tensor<?x64x96xbf16>) {
    ^bb0(%in: i64, %out: bf16):
      %0 = arith.cmpi slt, %in, %c0_i64 : i64
      %1 = arith.addi %in, %c16_i64 : i64
      %2 = arith.select %0, %1, %in : i64
      %3 = arith.index_cast %2 : i64 to index
      %4 = linalg.index 1 : index
      %5 = linalg.index 2 : index
      %extracted = tensor.extract %gate_up[%3, %4, %5] : tensor<16x64x96xbf16>
      linalg.yield %extracted : bf16
    } -> tensor<?x64x96xbf16>
    %xrow = tensor.expand_shape %xs [[0, 1], [2]] output_shape [%s, 1, 64] : tensor<?x64xbf16> into tensor<?x1x64xbf16>
    %e_p1 = tensor.empty(%s) : tensor<?x1x96xf32>
    %z_p1 = linalg.fill ins(%zero : f32) outs(%e_p1 : tensor<?x1x96xf32>) -> tensor<?x1x96xf32>
    %p1 = linalg.batch_matmul ins(%xrow, %w1g : tensor<?x1x64xbf16>, tensor<?x64x96xbf16>) outs(%z_p1 : tensor<?x1x96xf32>) -> tensor<?x1x96xf32>
    %e_p1b = tensor.empty(%s) : tensor<?x1x96xbf16>
    %p1b = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%p1 : tensor<?x1x96xf32>) outs(%e_p1b : tensor<?x1x96xbf16>) {
    ^bb0(%in: f32, %out: bf16):
      %0 = arith.truncf %in : f32 to bf16
      linalg.yield %0 : bf16
    } -> tensor<?x1x96xbf16>
    %gu0 = tensor.collapse_shape %p1b [[0, 1], [2]] : tensor<?x1x96xbf16> into tensor<?x96xbf16>
    %e_b1g = tensor.empty(%s) : tensor<?x96xbf16>
    %b1g = linalg.generic {indexing_maps = [#rowd, #id2], iterator_types = ["parallel", "parallel"]} ins(%ids_flat : tensor<?xi64>) outs(%e_b1g : tensor<?x96xbf16>) {
    ^bb0(%in: i64, %out: bf16):
      %0 = arith.cmpi slt, %in, %c0_i64 : i64
      %1 = arith.addi %in, %c16_i64 : i64
      %2 = arith.select %0, %1, %in : i64
      %3 = arith.index_cast %2 : i64 to index
      %4 = linalg.index 1 : index
      %extracted = tensor.extract %gate_up_b[%3, %4] : tensor<16x96xbf16>
      linalg.yield %extracted : bf16
    } -> tensor<?x96xbf16>
    %gu = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%gu0, %b1g : tensor<?x96xbf16>, tensor<?x96xbf16>) outs(%e_b1g : tensor<?x96xbf16>) {
    ^bb0(%in0: bf16, %in1: bf16, %out: bf16):
      %0 = arith.addf %in0, %in1 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x96xbf16>
    %gate = tensor.extract_slice %gu[0, 0] [%s, 48] [1, 2] : tensor<?x96xbf16> to tensor<?x48xbf16>
    %up = tensor.extract_slice %gu[0, 1] [%s, 48] [1, 2] : tensor<?x96xbf16> to tensor<?x48xbf16>
    %e_a = tensor.empty(%s) : tensor<?x48xbf16>
    %gc = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%gate : tensor<?x48xbf16>) outs(%e_a : tensor<?x48xbf16>) {
    ^bb0(%in0: bf16, %out: bf16):
      %0 = arith.cmpf ugt, %in0, %limit : bf16
      %1 = arith.select %0, %limit, %in0 : bf16
      linalg.yield %1 : bf16
    } -> tensor<?x48xbf16>
    %uc = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%up : tensor<?x48xbf16>) outs(%e_a : tensor<?x48xbf16>) {
    ^bb0(%in0: bf16, %out: bf16):
      %0 = arith.cmpf ult, %in0, %nlimit : bf16
      %1 = arith.select %0, %nlimit, %in0 : bf16
      %2 = arith.cmpf ugt, %1, %limit : bf16
      %3 = arith.select %2, %limit, %1 : bf16
      linalg.yield %3 : bf16
    } -> tensor<?x48xbf16>
    %ga = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%gc : tensor<?x48xbf16>) outs(%e_a : tensor<?x48xbf16>) {
    ^bb0(%in0: bf16, %out: bf16):
      %0 = arith.mulf %in0, %alpha : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x48xbf16>
    %sg = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%ga : tensor<?x48xbf16>) outs(%e_a : tensor<?x48xbf16>) {
    ^bb0(%in0: bf16, %out: bf16):
      %0 = arith.negf %in0 : bf16
      %1 = math.exp %0 : bf16
      %2 = arith.addf %1, %one_bf : bf16
      %3 = arith.divf %one_bf, %2 : bf16
      linalg.yield %3 : bf16
    } -> tensor<?x48xbf16>
    %glu = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%gc, %sg : tensor<?x48xbf16>, tensor<?x48xbf16>) outs(%e_a : tensor<?x48xbf16>) {
    ^bb0(%in0: bf16, %in1: bf16, %out: bf16):
      %0 = arith.mulf %in0, %in1 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x48xbf16>
    %u1 = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%uc : tensor<?x48xbf16>) outs(%e_a : tensor<?x48xbf16>) {
    ^bb0(%in0: bf16, %out: bf16):
      %0 = arith.addf %in0, %one_bf : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x48xbf16>
    %act = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%u1, %glu : tensor<?x48xbf16>, tensor<?x48xbf16>) outs(%e_a : tensor<?x48xbf16>) {
    ^bb0(%in0: bf16, %in1: bf16, %out: bf16):
      %0 = arith.mulf %in0, %in1 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x48xbf16>
    %e_w2g = tensor.empty(%s) : tensor<?x48x64xbf16>
    %w2g = linalg.generic {indexing_maps = [#lead, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ids_flat : tensor<?xi64>) outs(%e_w2g : tensor<?x48x64xbf16>) {
    ^bb0(%in: i64, %out: bf16):
      %0 = arith.cmpi slt, %in, %c0_i64 : i64
      %1 = arith.addi %in, %c16_i64 : i64
      %2 = arith.select %0, %1, %in : i64
      %3 = arith.index_cast %2 : i64 to index
      %4 = linalg.index 1 : index
      %5 = linalg.index 2 : index
      %extracted = tensor.extract %down[%3, %4, %5] : tensor<16x48x64xbf16>
      linalg.yield %extracted : bf16
    } -> tensor<?x48x64xbf16>
    %arow = tensor.expand_shape %act [[0, 1], [2]] output_shape [%s, 1, 48] : tensor<?x48xbf16> into tensor<?x1x48xbf16>
    %e_p2 = tensor.empty(%s) : tensor<?x1x64xf32>
    %z_p2 = linalg.fill ins(%zero : f32) outs(%e_p2 : tensor<?x1x64xf32>) -> tensor<?x1x64xf32>
    %p2 = linalg.batch_matmul ins(%arow, %w2g : tensor<?x1x48xbf16>, tensor<?x48x64xbf16>) outs(%z_p2 : tensor<?x1x64xf32>) -> tensor<?x1x64xf32>
    %e_p2b = tensor.empty(%s) : tensor<?x1x64xbf16>
    %p2b = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%p2 : tensor<?x1x64xf32>) outs(%e_p2b : tensor<?x1x64xbf16>) {
    ^bb0(%in: f32, %out: bf16):
      %0 = arith.truncf %in : f32 to bf16
      linalg.yield %0 : bf16
    } -> tensor<?x1x64xbf16>
    %o0 = tensor.collapse_shape %p2b [[0, 1], [2]] : tensor<?x1x64xbf16> into tensor<?x64xbf16>
    %e_b2g = tensor.empty(%s) : tensor<?x64xbf16>
    %b2g = linalg.generic {indexing_maps = [#rowd, #id2], iterator_types = ["parallel", "parallel"]} ins(%tok : tensor<?xi64>) outs(%e_b2g : tensor<?x64xbf16>) {
    ^bb0(%in: i64, %out: bf16):
      %0 = arith.cmpi slt, %in, %c0_i64 : i64
      %1 = arith.addi %in, %c16_i64 : i64
      %2 = arith.select %0, %1, %in : i64
      %3 = arith.index_cast %2 : i64 to index
      %4 = linalg.index 1 : index
      %extracted = tensor.extract %down_b[%3, %4] : tensor<16x64xbf16>
      linalg.yield %extracted : bf16
    } -> tensor<?x64xbf16>
    %o = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%o0, %b2g : tensor<?x64xbf16>, tensor<?x64xbf16>) outs(%e_b2g : tensor<?x64xbf16>) {
    ^bb0(%in0: bf16, %in1: bf16, %out: bf16):
      %0 = arith.addf %in0, %in1 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x64xbf16>
    %w_col = tensor.expand_shape %w_flat [[0, 1]] output_shape [%s, 1] : tensor<?xbf16> into tensor<?x1xbf16>
    %e_o = tensor.empty(%s) : tensor<?x64xbf16>
    %ow = linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]} ins(%o, %w_col : tensor<?x64xbf16>, tensor<?x1xbf16>) outs(%e_o : tensor<?x64xbf16>) {
    ^bb0(%in0: bf16, %in1: bf16, %out: bf16):
      %0 = arith.mulf %in0, %in1 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x64xbf16>
    %e_y = tensor.empty(%t) : tensor<?x64xbf16>
    %zeros = linalg.fill ins(%zero_bf : bf16) outs(%e_y : tensor<?x64xbf16>) -> tensor<?x64xbf16>
    %idx = tensor.expand_shape %tok [[0, 1]] output_shape [%s, 1] : tensor<?xi64> into tensor<?x1xi64>
    %upd = tensor.expand_shape %ow [[0, 1], [2]] output_shape [%s, 1, 64] : tensor<?x64xbf16> into tensor<?x1x64xbf16>
    %y = tm_tensor.scatter {dimension_map = array<i64: 0>} unique_indices(false) ins(%upd, %idx : tensor<?x1x64xbf16>, tensor<?x1xi64>) outs(%zeros : tensor<?x64xbf16>) {
    ^bb0(%u: bf16, %orig: bf16):
      %0 = arith.addf %orig, %u : bf16
      tm_tensor.yield %0 : bf16
    } -> tensor<?x64xbf16>
    return %y : tensor<?x64xbf16>
  }
}

