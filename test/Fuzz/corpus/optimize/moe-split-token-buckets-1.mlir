func.func @static_tokens(%x: tensor<4x64xbf16>, %w1: tensor<8x256x64xbf16>, %w2: tensor<8x64x128xbf16>,
                         %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>) -> tensor<4x64xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      : (tensor<4x64xbf16>, tensor<8x256x64xbf16>, tensor<8x64x128xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x64xbf16>
  return %y : tensor<4x64xbf16>
}
