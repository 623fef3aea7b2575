// RMSNorm as torch-mlir lowers two more Hugging Face forms, H=64, T dynamic:
// - gemma_rms_norm (Gemma3RMSNorm): x.float(), x * rsqrt(mean(x^2) + eps),
//   * (1.0 + weight.float()) in f32, .type_as(x); the 1.0 and eps are 0-d
//   filled tensors (prim.NumToTensor), pow(2) is math.fpowi
//   -> moe.rms_norm ... offset 1.0;
// - f32_rms_norm (an f32 model: the casts fold away): weight * (x * rsqrt(...));
// - add_rms_norm: the residual add (add.Tensor in bf16) before HF's RMSNorm,
//   both the sum and the norm returned -> moe.add_rms_norm.
// RUN: moe-opt --moe-raise-linalg %s | FileCheck %s
// RUN: moe-compile --raise-linalg=false %s -o %t.unraised.so
// RUN: moe-compile %s -o %t.raised.so
// RUN: %python %S/../Integration/CPU/compare_libs.py --moe-run moe-run --entry gemma_rms_norm --dims 1,7 %t.unraised.so %t.raised.so | FileCheck %s --check-prefix=SAME
// RUN: %python %S/../Integration/CPU/compare_libs.py --moe-run moe-run --entry f32_rms_norm --dtype f32 --dims 1,7 %t.unraised.so %t.raised.so | FileCheck %s --check-prefix=SAME
// RUN: %python %S/../Integration/CPU/compare_libs.py --moe-run moe-run --entry add_rms_norm --dims 1,7 %t.unraised.so %t.raised.so | FileCheck %s --check-prefix=SAME
// RUN: moe-opt --moe-raise-linalg=report -mlir-print-op-on-diagnostic=false %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT
// REPORT: remark: RMSNorm raised to moe.add_rms_norm with the residual add before it
// SAME-NOT: FAIL
// SAME: {{^[0-9]+}} passed, 0 failed

// CHECK-LABEL: func.func @gemma_rms_norm
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xbf16>, %[[W:.*]]: tensor<64xbf16>)
// CHECK-NOT: linalg.generic
// CHECK: %[[Y:.*]] = moe.rms_norm %[[X]], %[[W]] eps 9.99999997E-7 offset 1.000000e+00
// CHECK-NOT: linalg.generic
// CHECK: return %[[Y]]

// CHECK-LABEL: func.func @f32_rms_norm
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf32>, %[[W:.*]]: tensor<64xf32>)
// CHECK: %[[Y:.*]] = moe.rms_norm %[[X]], %[[W]] eps 9.99999974E-6 :
// CHECK: return %[[Y]]

// CHECK-LABEL: func.func @add_rms_norm
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xbf16>, %[[RES:.*]]: tensor<?x64xbf16>, %[[W:.*]]: tensor<64xbf16>)
// CHECK-NOT: linalg.generic
// CHECK: %[[N:.*]], %[[R:.*]] = moe.add_rms_norm %[[RES]], %[[X]], %[[W]] eps 9.99999997E-7 :
// CHECK-NOT: linalg.generic
// CHECK: return %[[N]], %[[R]]
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0, 0)>
#col = affine_map<(d0, d1) -> (d1)>
#scalar = affine_map<(d0, d1) -> ()>
#id1 = affine_map<(d0) -> (d0)>
#scalar1 = affine_map<(d0) -> ()>
module {
  func.func @gemma_rms_norm(%x: tensor<?x64xbf16>, %w: tensor<64xbf16>) -> tensor<?x64xbf16> {
    %c0 = arith.constant 0 : index
    %zero = arith.constant 0.000000e+00 : f32
    %c2_i64 = arith.constant 2 : i64
    %h_f = arith.constant 6.400000e+01 : f32
    %eps64 = arith.constant 9.9999999999999995E-7 : f64
    %one64 = arith.constant 1.000000e+00 : f64
    %t = tensor.dim %x, %c0 : tensor<?x64xbf16>
    %e_f = tensor.empty(%t) : tensor<?x64xf32>
    %x32 = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<?x64xbf16>) outs(%e_f : tensor<?x64xf32>) {
    ^bb0(%in: bf16, %out: f32):
      %0 = arith.extf %in : bf16 to f32
      linalg.yield %0 : f32
    } -> tensor<?x64xf32>
    %sq = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%x32 : tensor<?x64xf32>) outs(%e_f : tensor<?x64xf32>) {
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
    %nrm = linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]} ins(%x32, %rs : tensor<?x64xf32>, tensor<?x1xf32>) outs(%e_f : tensor<?x64xf32>) {
    ^bb0(%in: f32, %in_0: f32, %out: f32):
      %0 = arith.mulf %in, %in_0 : f32
      linalg.yield %0 : f32
    } -> tensor<?x64xf32>
    %e_w = tensor.empty() : tensor<64xf32>
    %w32 = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]} ins(%w : tensor<64xbf16>) outs(%e_w : tensor<64xf32>) {
    ^bb0(%in: bf16, %out: f32):
      %0 = arith.extf %in : bf16 to f32
      linalg.yield %0 : f32
    } -> tensor<64xf32>
    %one32 = arith.truncf %one64 : f64 to f32
    %one_t = linalg.fill ins(%one32 : f32) outs(%e_0d : tensor<f32>) -> tensor<f32>
    %w1 = linalg.generic {indexing_maps = [#id1, #scalar1, #id1], iterator_types = ["parallel"]} ins(%w32, %one_t : tensor<64xf32>, tensor<f32>) outs(%e_w : tensor<64xf32>) {
    ^bb0(%in: f32, %in_0: f32, %out: f32):
      %0 = arith.addf %in, %in_0 : f32
      linalg.yield %0 : f32
    } -> tensor<64xf32>
    %scaled = linalg.generic {indexing_maps = [#id2, #col, #id2], iterator_types = ["parallel", "parallel"]} ins(%nrm, %w1 : tensor<?x64xf32>, tensor<64xf32>) outs(%e_f : tensor<?x64xf32>) {
    ^bb0(%in: f32, %in_0: f32, %out: f32):
      %0 = arith.mulf %in, %in_0 : f32
      linalg.yield %0 : f32
    } -> tensor<?x64xf32>
    %e_b = tensor.empty(%t) : tensor<?x64xbf16>
    %y = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%scaled : tensor<?x64xf32>) outs(%e_b : tensor<?x64xbf16>) {
    ^bb0(%in: f32, %out: bf16):
      %0 = arith.truncf %in : f32 to bf16
      linalg.yield %0 : bf16
    } -> tensor<?x64xbf16>
    return %y : tensor<?x64xbf16>
  }

  func.func @f32_rms_norm(%x: tensor<?x64xf32>, %w: tensor<64xf32>) -> tensor<?x64xf32> {
    %c0 = arith.constant 0 : index
    %zero = arith.constant 0.000000e+00 : f32
    %c2_i64 = arith.constant 2 : i64
    %h_f = arith.constant 6.400000e+01 : f32
    %eps64 = arith.constant 1.000000e-05 : f64
    %t = tensor.dim %x, %c0 : tensor<?x64xf32>
    %e_f = tensor.empty(%t) : tensor<?x64xf32>
    %sq = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<?x64xf32>) outs(%e_f : tensor<?x64xf32>) {
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
    %var = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%mean : tensor<?x1xf32>) outs(%e_r : tensor<?x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %eps = arith.truncf %eps64 : f64 to f32
      %0 = arith.addf %in, %eps : f32
      linalg.yield %0 : f32
    } -> tensor<?x1xf32>
    %rs = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%var : tensor<?x1xf32>) outs(%e_r : tensor<?x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %0 = math.rsqrt %in : f32
      linalg.yield %0 : f32
    } -> tensor<?x1xf32>
    %nrm = linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]} ins(%x, %rs : tensor<?x64xf32>, tensor<?x1xf32>) outs(%e_f : tensor<?x64xf32>) {
    ^bb0(%in: f32, %in_0: f32, %out: f32):
      %0 = arith.mulf %in, %in_0 : f32
      linalg.yield %0 : f32
    } -> tensor<?x64xf32>
    %y = linalg.generic {indexing_maps = [#col, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%w, %nrm : tensor<64xf32>, tensor<?x64xf32>) outs(%e_f : tensor<?x64xf32>) {
    ^bb0(%in: f32, %in_0: f32, %out: f32):
      %0 = arith.mulf %in, %in_0 : f32
      linalg.yield %0 : f32
    } -> tensor<?x64xf32>
    return %y : tensor<?x64xf32>
  }

  // Hugging Face's decoder layer before the MoE block: hidden = residual +
  // attention output (add.Tensor in bf16), residual = hidden, then the
  // post-attention RMSNorm of it (the same generics as qwen3_moe.mlir).
  func.func @add_rms_norm(%x: tensor<?x64xbf16>, %res: tensor<?x64xbf16>, %norm_w: tensor<64xbf16>) -> (tensor<?x64xbf16>, tensor<?x64xbf16>) {
    %c0 = arith.constant 0 : index
    %zero = arith.constant 0.000000e+00 : f32
    %c2_i64 = arith.constant 2 : i64
    %h_f = arith.constant 6.400000e+01 : f32
    %eps64 = arith.constant 9.9999999999999995E-7 : f64
    %t = tensor.dim %x, %c0 : tensor<?x64xbf16>
    %e_s = tensor.empty(%t) : tensor<?x64xbf16>
    %sum = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%res, %x : tensor<?x64xbf16>, tensor<?x64xbf16>) outs(%e_s : tensor<?x64xbf16>) {
    ^bb0(%in: bf16, %in_0: bf16, %out: bf16):
      %0 = arith.addf %in, %in_0 : bf16
      linalg.yield %0 : bf16
    } -> tensor<?x64xbf16>
    // RMSNorm
    %e_f = tensor.empty(%t) : tensor<?x64xf32>
    %h32 = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%sum : tensor<?x64xbf16>) outs(%e_f : tensor<?x64xf32>) {
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

    return %n, %sum : tensor<?x64xbf16>, tensor<?x64xbf16>
  }
}
