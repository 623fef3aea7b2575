func.func @called(%x: tensor<4x32xbf16>, %w1: tensor<8x48x32xbf16>, %w2: tensor<8x32x24xbf16>,
                  %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>) -> tensor<4x32xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      : (tensor<4x32xbf16>, tensor<8x48x32xbf16>, tensor<8x32x24xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x32xbf16>
  return %y : tensor<4x32xbf16>
}

func.func @caller(%x: tensor<4x32xbf16>, %w1: tensor<8x48x32xbf16>, %w2: tensor<8x32x24xbf16>,
                  %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>) -> tensor<4x32xbf16> {
  %y = func.call @called(%x, %w1, %w2, %w, %ids) : (tensor<4x32xbf16>, tensor<8x48x32xbf16>, tensor<8x32x24xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x32xbf16>
  return %y : tensor<4x32xbf16>
}
