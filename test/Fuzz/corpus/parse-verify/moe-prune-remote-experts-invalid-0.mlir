func.func @not_divisible(%x: tensor<4x32xbf16>, %w1: tensor<6x48x32xbf16>, %w2: tensor<6x32x24xbf16>,
                         %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>) -> tensor<4x32xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      : (tensor<4x32xbf16>, tensor<6x48x32xbf16>, tensor<6x32x24xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x32xbf16>
  return %y : tensor<4x32xbf16>
}
