func.func @sliced_weights(%x: tensor<4x32xbf16>, %w1: tensor<8x48x32xbf16>, %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>)
    -> (tensor<4x32xbf16>, tensor<8x48x32xbf16>) {
  %w2 = arith.constant dense<0.5> : tensor<8x32x24xbf16>
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul> tile <block_m = 32, block_n = 32>
      : (tensor<4x32xbf16>, tensor<8x48x32xbf16>, tensor<8x32x24xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x32xbf16>
  return %y, %w1 : tensor<4x32xbf16>, tensor<8x48x32xbf16>
}
