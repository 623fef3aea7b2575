// A sharktank-style expert block (amd-shark-ai amdsharktank/layers/
// ffn_moe_block.py, PreGatherFFNMOE: `ffn_gate[experts]` gathered by the
// [T, k] ids, `(gate_w * h.unsqueeze(1).unsqueeze(1)).sum(-1)`, separate
// ffn_gate / ffn_up / ffn_down weights, silu(gate) * up, the down projection
// the same way, `(t2 * expert_gate.unsqueeze(-1)).sum(1)`), H=64, I=32, E=8,
// k=2, bf16, T dynamic, in the forms torch-mlir emits: the index.Tensor gather
// generic (2-D index: map (d0, d1)), unsqueeze as tensor.expand_shape, the
// broadcast multiply with constant-0 maps for the size-1 dimensions and
// sum.dim_IntList as a bf16 reduction generic (TorchToLinalg), silu as
// sigmoid * x. The ids and routing weights are arguments (sharktank's router
// is separate). Raised to moe.experts, the gate and up weights are copied
// into one [E, 2I, H] tensor per call (moe.experts takes one gate/up
// operand). The unraised program sums every dot product in bf16
// (torch-mlir's sum.dim_IntList accumulates in the element type), so the
// two agree only within 4e-2 of each value plus 4e-2 of the largest; a wrong
// raise (another expert, activation or weight) is off by the value itself.
// RUN: moe-opt --moe-raise-linalg %s | FileCheck %s
// RUN: moe-compile --raise-linalg=false %s -o %t.unraised.so
// RUN: moe-compile %s -o %t.raised.so
// RUN: %python %S/../Integration/CPU/compare_libs.py --moe-run moe-run --entry sharktank_moe --int-max 7 --dims 1,6,33 --tolerance 4e-2 %t.unraised.so %t.raised.so | FileCheck %s --check-prefix=SAME
// SAME-NOT: FAIL
// SAME: {{^[0-9]+}} passed, 0 failed

// CHECK-LABEL: func.func @sharktank_moe
// CHECK-SAME: (%[[H:.*]]: tensor<?x64xbf16>, %[[GATE:.*]]: tensor<8x32x64xbf16>, %[[UP:.*]]: tensor<8x32x64xbf16>, %[[DOWN:.*]]: tensor<8x64x32xbf16>, %[[IDS:.*]]: tensor<?x2xi64>, %[[W:.*]]: tensor<?x2xf32>)
// CHECK: %[[IDS32:.*]] = linalg.generic {{.*}} ins(%[[IDS]] : tensor<?x2xi64>)
// CHECK: arith.trunci
// CHECK: %[[G:.*]] = tensor.insert_slice %[[GATE]] into %{{.*}}[0, 0, 0] [8, 32, 64] [1, 1, 1]
// CHECK: %[[GU:.*]] = tensor.insert_slice %[[UP]] into %[[G]][0, 32, 0] [8, 32, 64] [1, 1, 1]
// CHECK: %[[Y:.*]] = moe.experts %[[H]], %[[GU]], %[[DOWN]], %[[W]], %[[IDS32]] activation <silu_mul>
// CHECK-NOT: linalg.generic
// CHECK: return %[[Y]]
#g4 = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#bh = affine_map<(d0, d1, d2, d3) -> (d0, 0, 0, d3)>
#ba = affine_map<(d0, d1, d2, d3) -> (d0, d1, 0, d3)>
#r4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#bw = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
#sum1 = affine_map<(d0, d1, d2) -> (d0, d2)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
module {
  func.func @sharktank_moe(%h: tensor<?x64xbf16>, %ffn_gate: tensor<8x32x64xbf16>, %ffn_up: tensor<8x32x64xbf16>, %ffn_down: tensor<8x64x32xbf16>, %experts: tensor<?x2xi64>, %expert_gate: tensor<?x2xf32>) -> tensor<?x64xbf16> {
    %c0 = arith.constant 0 : index
    %c0_i64 = arith.constant 0 : i64
    %c8_i64 = arith.constant 8 : i64
    %zero_bf = arith.constant 0.000000e+00 : bf16
    %one_bf = arith.constant 1.000000e+00 : bf16
    %zero = arith.constant 0.000000e+00 : f32
    %t = tensor.dim %h, %c0 : tensor<?x64xbf16>
    %h4 = tensor.expand_shape %h [[0, 1, 2], [3]] output_shape [%t, 1, 1, 64] : tensor<?x64xbf16> into tensor<?x1x1x64xbf16>
    %e_gate_w = tensor.empty(%t) : tensor<?x2x32x64xbf16>
    %gate_w = linalg.generic {indexing_maps = [#g4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%experts : tensor<?x2xi64>) outs(%e_gate_w : tensor<?x2x32x64xbf16>) {
    ^bb0(%in: i64, %out: bf16):
      %0 = arith.cmpi slt, %in, %c0_i64 : i64
      %1 = arith.addi %in, %c8_i64 : i64
      %2 = arith.select %0, %1, %in : i64
      %3 = arith.index_cast %2 : i64 to index
      %4 = linalg.index 2 : index
      %5 = linalg.index 3 : index
      %extracted = tensor.extract %ffn_gate[%3, %4, %5] : tensor<8x32x64xbf16>
      linalg.yield %extracted : bf16
    } -> tensor<?x2x32x64xbf16>
    %e_up_w = tensor.empty(%t) : tensor<?x2x32x64xbf16>
    %up_w = linalg.generic {indexing_maps = [#g4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%experts : tensor<?x2xi64>) outs(%e_up_w : tensor<?x2x32x64xbf16>) {
    ^bb0(%in: i64, %out: bf16):
      %0 = arith.cmpi slt, %in, %c0_i64 : i64
      %1 = arith.addi %in, %c8_i64 : i64
      %2 = arith.select %0, %1, %in : i64
      %3 = arith.index_cast %2 : i64 to index
      %4 = linalg.index 2 : index
      %5 = linalg.index 3 : index
      %extracted = tensor.extract %ffn_up[%3, %4, %5] : tensor<8x32x64xbf16>
      linalg.yield %extracted : bf16
    } -> tensor<?x2x32x64xbf16>
    %e_down_w = tensor.empty(%t) : tensor<?x2x64x32xbf16>
    %down_w = linalg.generic {indexing_maps = [#g4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%experts : tensor<?x2xi64>) outs(%e_down_w : tensor<?x2x64x32xbf16>) {
    ^bb0(%in: i64, %out: bf16):
      %0 = arith.cmpi slt, %in, %c0_i64 : i64
      %1 = arith.addi %in, %c8_i64 : i64
      %2 = arith.select %0, %1, %in : i64
      %3 = arith.index_cast %2 : i64 to index
      %4 = linalg.index 2 : index
      %5 = linalg.index 3 : index
      %extracted = tensor.extract %ffn_down[%3, %4, %5] : tensor<8x64x32xbf16>
      linalg.yield %extracted : bf16
    } -> tensor<?x2x64x32xbf16>
    %p_g = linalg.generic {indexing_maps = [#id4, #bh, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%gate_w, %h4 : tensor<?x2x32x64xbf16>, tensor<?x1x1x64xbf16>) outs(%e_gate_w : tensor<?x2x32x64xbf16>) {
    ^bb0(%in: bf16, %in_0: bf16, %out: bf16):
      %0 = arith.mulf %in, %in_0 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x2x32x64xbf16>
    %e_sg = tensor.empty(%t) : tensor<?x2x32xbf16>
    %z_sg = linalg.fill ins(%zero_bf : bf16) outs(%e_sg : tensor<?x2x32xbf16>) -> tensor<?x2x32xbf16>
    %g = linalg.generic {indexing_maps = [#id4, #r4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%p_g : tensor<?x2x32x64xbf16>) outs(%z_sg : tensor<?x2x32xbf16>) {
    ^bb0(%in: bf16, %out: bf16):
      %0 = arith.addf %in, %out : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x2x32xbf16>
    %p_u = linalg.generic {indexing_maps = [#id4, #bh, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%up_w, %h4 : tensor<?x2x32x64xbf16>, tensor<?x1x1x64xbf16>) outs(%e_up_w : tensor<?x2x32x64xbf16>) {
    ^bb0(%in: bf16, %in_0: bf16, %out: bf16):
      %0 = arith.mulf %in, %in_0 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x2x32x64xbf16>
    %e_su = tensor.empty(%t) : tensor<?x2x32xbf16>
    %z_su = linalg.fill ins(%zero_bf : bf16) outs(%e_su : tensor<?x2x32xbf16>) -> tensor<?x2x32xbf16>
    %u = linalg.generic {indexing_maps = [#id4, #r4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%p_u : tensor<?x2x32x64xbf16>) outs(%z_su : tensor<?x2x32xbf16>) {
    ^bb0(%in: bf16, %out: bf16):
      %0 = arith.addf %in, %out : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x2x32xbf16>
    %e_a = tensor.empty(%t) : tensor<?x2x32xbf16>
    %sg = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%g : tensor<?x2x32xbf16>) outs(%e_a : tensor<?x2x32xbf16>) {
    ^bb0(%in: bf16, %out: bf16):
      %0 = arith.negf %in : bf16
      %1 = math.exp %0 : bf16
      %2 = arith.addf %1, %one_bf : bf16
      %3 = arith.divf %one_bf, %2 : bf16
      linalg.yield %3 : bf16
    } -> tensor<?x2x32xbf16>
    %silu = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sg, %g : tensor<?x2x32xbf16>, tensor<?x2x32xbf16>) outs(%e_a : tensor<?x2x32xbf16>) {
    ^bb0(%in: bf16, %in_0: bf16, %out: bf16):
      %0 = arith.mulf %in, %in_0 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x2x32xbf16>
    %act = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%silu, %u : tensor<?x2x32xbf16>, tensor<?x2x32xbf16>) outs(%e_a : tensor<?x2x32xbf16>) {
    ^bb0(%in: bf16, %in_0: bf16, %out: bf16):
      %0 = arith.mulf %in, %in_0 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x2x32xbf16>
    %a4 = tensor.expand_shape %act [[0], [1], [2, 3]] output_shape [%t, 2, 1, 32] : tensor<?x2x32xbf16> into tensor<?x2x1x32xbf16>
    %p_o = linalg.generic {indexing_maps = [#id4, #ba, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%down_w, %a4 : tensor<?x2x64x32xbf16>, tensor<?x2x1x32xbf16>) outs(%e_down_w : tensor<?x2x64x32xbf16>) {
    ^bb0(%in: bf16, %in_0: bf16, %out: bf16):
      %0 = arith.mulf %in, %in_0 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x2x64x32xbf16>
    %e_so = tensor.empty(%t) : tensor<?x2x64xbf16>
    %z_so = linalg.fill ins(%zero_bf : bf16) outs(%e_so : tensor<?x2x64xbf16>) -> tensor<?x2x64xbf16>
    %o = linalg.generic {indexing_maps = [#id4, #r4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%p_o : tensor<?x2x64x32xbf16>) outs(%z_so : tensor<?x2x64xbf16>) {
    ^bb0(%in: bf16, %out: bf16):
      %0 = arith.addf %in, %out : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x2x64xbf16>
    %w3 = tensor.expand_shape %expert_gate [[0], [1, 2]] output_shape [%t, 2, 1] : tensor<?x2xf32> into tensor<?x2x1xf32>
    %e_ow = tensor.empty(%t) : tensor<?x2x64xf32>
    %ow = linalg.generic {indexing_maps = [#id3, #bw, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%o, %w3 : tensor<?x2x64xbf16>, tensor<?x2x1xf32>) outs(%e_ow : tensor<?x2x64xf32>) {
    ^bb0(%in: bf16, %in_0: f32, %out: f32):
      %0 = arith.extf %in : bf16 to f32
      %1 = arith.mulf %0, %in_0 : f32
      linalg.yield %1 : f32
    } -> tensor<?x2x64xf32>
    %e_y = tensor.empty(%t) : tensor<?x64xf32>
    %z_y = linalg.fill ins(%zero : f32) outs(%e_y : tensor<?x64xf32>) -> tensor<?x64xf32>
    %y32 = linalg.generic {indexing_maps = [#id3, #sum1], iterator_types = ["parallel", "reduction", "parallel"]} ins(%ow : tensor<?x2x64xf32>) outs(%z_y : tensor<?x64xf32>) {
    ^bb0(%in: f32, %out: f32):
      %0 = arith.addf %in, %out : f32
      linalg.yield %0 : f32
    } -> tensor<?x64xf32>
    %e_yb = tensor.empty(%t) : tensor<?x64xbf16>
    %y = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%y32 : tensor<?x64xf32>) outs(%e_yb : tensor<?x64xbf16>) {
    ^bb0(%in: f32, %out: bf16):
      %0 = arith.truncf %in : f32 to bf16
      linalg.yield %0 : bf16
    } -> tensor<?x64xbf16>
    return %y : tensor<?x64xbf16>
  }
}
