// Quantized moe.experts against quant_reference.quantized_experts (numpy,
// from the dequantized weights): DeepSeek-V3's fp8 128x128 blocks with fp8
// activations per token group, gpt-oss's MXFP4 weights with bf16
// activations (a16w4), MXFP8 weights and activations (MiniMax-M3-like),
// FNUZ fp8 per channel with per-token activations (gfx942's format), and
// OCP fp8 weights per channel with bf16 activations (a16w8, weight-only);
// mxfp4_wide is an MXFP4 layer whose rows are longer than a wave's runs
// (the GPU kernels' K tails; test/Integration/GPU/quant_gpu.mlir);
// fp8_rows_a8w8 has OCP fp8 weights per channel and activations per token
// with rows of 336 and 80 k (sm_90's fp8 mma_row_dot steps of 64 k, the
// last one masked past K).
// The default build expands the layers into moe.quantize and quantized
// grouped GEMMs; --no-optimize lowers moe.experts itself.
// RUN: moe-compile %s -o %t.so
// RUN: %python %S/check_quant_experts.py --lib %t.so --moe-run moe-run | FileCheck %s
// RUN: moe-compile --no-optimize %s -o %t.direct.so
// RUN: %python %S/check_quant_experts.py --lib %t.direct.so --moe-run moe-run | FileCheck %s
// CHECK: {{^[0-9]+}} passed, 0 failed

func.func @fp8_blocks(%x: tensor<?x256xbf16>, %w1: tensor<8x256x256xf8E4M3FN>, %w2: tensor<8x256x128xf8E4M3FN>,
                      %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>,
                      %s1: tensor<8x2x2xf32>, %s2: tensor<8x2x1xf32>) -> tensor<?x256xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      weight_scales %s1, %s2 <block [128, 128]> act_quant <block [1, 128]> f8E4M3FN
      : (tensor<?x256xbf16>, tensor<8x256x256xf8E4M3FN>, tensor<8x256x128xf8E4M3FN>, tensor<?x2xf32>, tensor<?x2xi32>,
         tensor<8x2x2xf32>, tensor<8x2x1xf32>) -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}

func.func @mxfp4_a16w4(%x: tensor<?x64xbf16>, %w1: tensor<4x128x64xf4E2M1FN>, %w2: tensor<4x64x64xf4E2M1FN>,
                       %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>,
                       %s1: tensor<4x128x2xf8E8M0FNU>, %s2: tensor<4x64x2xf8E8M0FNU>) -> tensor<?x64xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <swiglu_oai, layout = interleaved, alpha = 1.702, beta = 1.0, limit = 7.0>
      weight_scales %s1, %s2 <mx>
      : (tensor<?x64xbf16>, tensor<4x128x64xf4E2M1FN>, tensor<4x64x64xf4E2M1FN>, tensor<?x2xf32>, tensor<?x2xi32>,
         tensor<4x128x2xf8E8M0FNU>, tensor<4x64x2xf8E8M0FNU>) -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

func.func @mxfp8(%x: tensor<?x96xbf16>, %w1: tensor<4x128x96xf8E4M3FN>, %w2: tensor<4x96x64xf8E4M3FN>,
                 %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>,
                 %s1: tensor<4x128x3xf8E8M0FNU>, %s2: tensor<4x96x2xf8E8M0FNU>) -> tensor<?x96xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <swiglu_oai>
      weight_scales %s1, %s2 <mx> act_quant <mx> f8E4M3FN
      : (tensor<?x96xbf16>, tensor<4x128x96xf8E4M3FN>, tensor<4x96x64xf8E4M3FN>, tensor<?x2xf32>, tensor<?x2xi32>,
         tensor<4x128x3xf8E8M0FNU>, tensor<4x96x2xf8E8M0FNU>) -> tensor<?x96xbf16>
  return %y : tensor<?x96xbf16>
}

func.func @fnuz_channels(%x: tensor<?x64xf16>, %w1: tensor<4x64x64xf8E4M3FNUZ>, %w2: tensor<4x64x32xf8E4M3FNUZ>,
                         %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>,
                         %s1: tensor<4x64xf32>, %s2: tensor<4x64xf32>) -> tensor<?x64xf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      weight_scales %s1, %s2 <per_row> act_quant <per_row> f8E4M3FNUZ
      : (tensor<?x64xf16>, tensor<4x64x64xf8E4M3FNUZ>, tensor<4x64x32xf8E4M3FNUZ>, tensor<?x2xf32>, tensor<?x2xi32>,
         tensor<4x64xf32>, tensor<4x64xf32>) -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}

func.func @fp8_channels_a16w8(%x: tensor<?x512xbf16>, %w1: tensor<16x384x512xf8E4M3FN>, %w2: tensor<16x512x192xf8E4M3FN>,
                              %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>,
                              %s1: tensor<16x384xf32>, %s2: tensor<16x512xf32>) -> tensor<?x512xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      weight_scales %s1, %s2 <per_row>
      : (tensor<?x512xbf16>, tensor<16x384x512xf8E4M3FN>, tensor<16x512x192xf8E4M3FN>, tensor<?x2xf32>, tensor<?x2xi32>,
         tensor<16x384xf32>, tensor<16x512xf32>) -> tensor<?x512xbf16>
  return %y : tensor<?x512xbf16>
}

func.func @mxfp4_wide(%x: tensor<?x1152xbf16>, %w1: tensor<8x640x1152xf4E2M1FN>, %w2: tensor<8x1152x320xf4E2M1FN>,
                      %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>,
                      %s1: tensor<8x640x36xf8E8M0FNU>, %s2: tensor<8x1152x10xf8E8M0FNU>) -> tensor<?x1152xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <swiglu_oai, layout = interleaved, alpha = 1.702, beta = 1.0, limit = 7.0>
      weight_scales %s1, %s2 <mx>
      : (tensor<?x1152xbf16>, tensor<8x640x1152xf4E2M1FN>, tensor<8x1152x320xf4E2M1FN>, tensor<?x2xf32>, tensor<?x2xi32>,
         tensor<8x640x36xf8E8M0FNU>, tensor<8x1152x10xf8E8M0FNU>) -> tensor<?x1152xbf16>
  return %y : tensor<?x1152xbf16>
}

func.func @fp8_rows_a8w8(%x: tensor<?x336xbf16>, %w1: tensor<8x160x336xf8E4M3FN>, %w2: tensor<8x336x80xf8E4M3FN>,
                         %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>,
                         %s1: tensor<8x160xf32>, %s2: tensor<8x336xf32>) -> tensor<?x336xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      weight_scales %s1, %s2 <per_row> act_quant <per_row> f8E4M3FN
      : (tensor<?x336xbf16>, tensor<8x160x336xf8E4M3FN>, tensor<8x336x80xf8E4M3FN>, tensor<?x2xf32>, tensor<?x2xi32>,
         tensor<8x160xf32>, tensor<8x336xf32>) -> tensor<?x336xbf16>
  return %y : tensor<?x336xbf16>
}
