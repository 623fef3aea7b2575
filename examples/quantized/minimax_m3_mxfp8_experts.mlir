// A MiniMax-M3-like MXFP8 expert layer, one TP8 shard: fp8 (f8E4M3FN)
// weights and activations, each 32 elements of a row sharing an E8M0 scale
// (OCP MXFP8). GEMM2's input is the SwiGLU-OAI output rounded to bf16 and
// quantized to MXFP8, the chain that MiniMax's serving stack fuses into one
// kernel. H = 3072, I = 1536 / 8 = 192, E = 128, k = 4. Runs on the CPU
// reference and compiles for gfx950 and sm_90 (fp8 row-dot GEMMs, the
// moe.quantize kernel between them: no fused quantizing epilogue yet).

func.func @minimax_m3_mxfp8_experts(%x: tensor<?x3072xbf16>,
                                    %w1: tensor<128x384x3072xf8E4M3FN>,
                                    %w2: tensor<128x3072x192xf8E4M3FN>,
                                    %weights: tensor<?x4xf32>, %ids: tensor<?x4xi32>,
                                    %w1_scales: tensor<128x384x96xf8E8M0FNU>,
                                    %w2_scales: tensor<128x3072x6xf8E8M0FNU>) -> tensor<?x3072xbf16> {
  %y = moe.experts %x, %w1, %w2, %weights, %ids activation <swiglu_oai>
      weight_scales %w1_scales, %w2_scales <mx>
      act_quant <mx> f8E4M3FN
      : (tensor<?x3072xbf16>, tensor<128x384x3072xf8E4M3FN>, tensor<128x3072x192xf8E4M3FN>,
         tensor<?x4xf32>, tensor<?x4xi32>, tensor<128x384x96xf8E8M0FNU>, tensor<128x3072x6xf8E8M0FNU>)
      -> tensor<?x3072xbf16>
  return %y : tensor<?x3072xbf16>
}
