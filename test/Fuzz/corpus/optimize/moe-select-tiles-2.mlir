func.func @deepseek_tp8_experts(%x: tensor<?x7168xbf16>, %w1: tensor<256x512x7168xbf16>, %w2: tensor<256x7168x256xbf16>,
                                %w: tensor<?x8xf32>, %ids: tensor<?x8xi32>) -> tensor<?x7168xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      : (tensor<?x7168xbf16>, tensor<256x512x7168xbf16>, tensor<256x7168x256xbf16>, tensor<?x8xf32>, tensor<?x8xi32>) -> tensor<?x7168xbf16>
  return %y : tensor<?x7168xbf16>
}
