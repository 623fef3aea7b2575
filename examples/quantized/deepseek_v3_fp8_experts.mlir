// DeepSeek-V3's routed experts as its checkpoints ship them, one TP8 shard:
// fp8 (f8E4M3FN) weights with a f32 scale per 128x128 block, and activations
// quantized to fp8 per token group of 128 before each GEMM (vLLM's and
// DeepSeek's w8a8 block scheme). H = 7168, I = 2048 / 8 = 256, E = 256, k = 8.
// Runs on the CPU reference and compiles for GPU targets (gfx950, sm_90;
// gfx942 with --ocp-to-fnuz): fp8 row-dot GEMMs and the moe.quantize
// kernel.

func.func @deepseek_v3_fp8_experts(%x: tensor<?x7168xbf16>,
                                   %w1: tensor<256x512x7168xf8E4M3FN>,
                                   %w2: tensor<256x7168x256xf8E4M3FN>,
                                   %weights: tensor<?x8xf32>, %ids: tensor<?x8xi32>,
                                   %w1_scales: tensor<256x4x56xf32>,
                                   %w2_scales: tensor<256x56x2xf32>) -> tensor<?x7168xbf16> {
  %y = moe.experts %x, %w1, %w2, %weights, %ids activation <silu_mul>
      weight_scales %w1_scales, %w2_scales <block [128, 128]>
      act_quant <block [1, 128]> f8E4M3FN
      : (tensor<?x7168xbf16>, tensor<256x512x7168xf8E4M3FN>, tensor<256x7168x256xf8E4M3FN>,
         tensor<?x8xf32>, tensor<?x8xi32>, tensor<256x4x56xf32>, tensor<256x56x2xf32>)
      -> tensor<?x7168xbf16>
  return %y : tensor<?x7168xbf16>
}
