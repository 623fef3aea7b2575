func.func @shared_weights(%x: tensor<4x32xbf16>, %w1: tensor<8x48x32xbf16>, %w2: tensor<8x32x24xbf16>,
                          %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>) -> tensor<4x32xbf16>
    attributes {moe.parallel = #moe.parallel<tp = 2>} {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      : (tensor<4x32xbf16>, tensor<8x48x32xbf16>, tensor<8x32x24xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x32xbf16>
  %z = moe.experts %y, %w1, %w2, %w, %ids activation <silu_mul>
      : (tensor<4x32xbf16>, tensor<8x48x32xbf16>, tensor<8x32x24xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x32xbf16>
  return %z : tensor<4x32xbf16>
}
