// RUN: not moe-compile --target=sm_90 --no-optimize --tokens=1 %s -o %t.so 2>&1 | FileCheck %s
// RUN: moe-opt --moe-optimize="target=sm_90 tokens=4 skip-inter-stage-quant=never" %s | FileCheck %s --check-prefix=QUANTIZE

// A GEMM whose epilogue quantizes (out_quant, as --moe-fuse-activation-quant
// writes it) has no GPU kernel yet.
// CHECK: quant-epilogue-unsupported.mlir:[[# @LINE + 3]]:13: error: 'moe.grouped_matmul' op has no sm_90 kernel for a quantizing epilogue (out_quant) yet
func.func @gemm1_out_quant(%x: tensor<1x256xf8E4M3FN>, %w1: tensor<4x256x256xf8E4M3FN>, %ids: tensor<1x2xi32>,
                           %xs: tensor<1x2xf32>, %w1s: tensor<4x2x2xf32>) -> (tensor<2x128xf8E4M3FN>, tensor<2x1xf32>) {
  %q, %qs = moe.grouped_matmul %x, %w1 route_ids %ids rows tokens top_k 2 block_m 1 activation <silu_mul>
      a_scales %xs <block [1, 128]> w_scales %w1s <block [128, 128]> out_quant <block [1, 128]> from bf16
      : (tensor<1x256xf8E4M3FN>, tensor<4x256x256xf8E4M3FN>, tensor<1x2xi32>, tensor<1x2xf32>, tensor<4x2x2xf32>)
      -> (tensor<2x128xf8E4M3FN>, tensor<2x1xf32>)
  return %q, %qs : tensor<2x128xf8E4M3FN>, tensor<2x1xf32>
}

// So with the requantization between the GEMMs kept, moe-optimize leaves
// it a moe.quantize on GPU targets (its own kernel, the same codes).
// QUANTIZE-LABEL: func.func @fp8_requantized
// QUANTIZE: moe.grouped_matmul
// QUANTIZE-NOT: out_quant
// QUANTIZE: moe.quantize
// QUANTIZE: moe.grouped_matmul
func.func @fp8_requantized(%x: tensor<4x128xbf16>, %w1: tensor<4x256x128xf8E4M3FN>, %w2: tensor<4x128x128xf8E4M3FN>,
                           %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>, %s1: tensor<4x2x1xf32>, %s2: tensor<4x1x1xf32>) -> tensor<4x128xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul> weight_scales %s1, %s2 <block [128, 128]> act_quant <block [1, 128]> f8E4M3FN
      : (tensor<4x128xbf16>, tensor<4x256x128xf8E4M3FN>, tensor<4x128x128xf8E4M3FN>, tensor<4x2xf32>, tensor<4x2xi32>, tensor<4x2x1xf32>, tensor<4x1x1xf32>) -> tensor<4x128xbf16>
  return %y : tensor<4x128xbf16>
}
