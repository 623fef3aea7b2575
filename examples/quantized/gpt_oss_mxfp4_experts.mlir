// gpt-oss-120b's experts in the MXFP4 format its checkpoint ships: fp4
// (f4E2M1FN, two per byte) weights with one power-of-two E8M0 scale per 32
// elements of a row, and bf16 activations (a16w4, no activation
// quantization). SwiGLU-OAI on interleaved gate/up rows. H = 2880,
// I = 2880, E = 128, k = 4. (moe.experts takes the checkpoint's expert
// biases too, `biases %b1, %b2`; this example leaves them out.) Runs on the
// CPU reference; GPU kernels for fp4 weights are not written yet (fp8 ones
// are).

func.func @gpt_oss_mxfp4_experts(%x: tensor<?x2880xbf16>,
                                 %w1: tensor<128x5760x2880xf4E2M1FN>,
                                 %w2: tensor<128x2880x2880xf4E2M1FN>,
                                 %weights: tensor<?x4xf32>, %ids: tensor<?x4xi32>,
                                 %w1_scales: tensor<128x5760x90xf8E8M0FNU>,
                                 %w2_scales: tensor<128x2880x90xf8E8M0FNU>) -> tensor<?x2880xbf16> {
  %y = moe.experts %x, %w1, %w2, %weights, %ids
      activation <swiglu_oai, layout = interleaved, alpha = 1.702, beta = 1.0, limit = 7.0>
      weight_scales %w1_scales, %w2_scales <mx>
      : (tensor<?x2880xbf16>, tensor<128x5760x2880xf4E2M1FN>, tensor<128x2880x2880xf4E2M1FN>,
         tensor<?x4xf32>, tensor<?x4xi32>, tensor<128x5760x90xf8E8M0FNU>, tensor<128x2880x90xf8E8M0FNU>)
      -> tensor<?x2880xbf16>
  return %y : tensor<?x2880xbf16>
}
