func.func @experts(%x: tensor<?x2048xbf16>, %w1: tensor<128x1536x2048xbf16>,
                   %w2: tensor<128x2048x768xbf16>, %w: tensor<?x8xf32>,
                   %ids: tensor<?x8xi32>, %xs: tensor<4x2880xf16>,
                   %w1s: tensor<128x5760x2880xf16>, %w2s: tensor<128x2880x2880xf16>,
                   %ws: tensor<4x4xf32>, %idss: tensor<4x4xi32>)
    -> (tensor<?x2048xbf16>, tensor<4x2880xf16>) {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      : (tensor<?x2048xbf16>, tensor<128x1536x2048xbf16>, tensor<128x2048x768xbf16>,
         tensor<?x8xf32>, tensor<?x8xi32>) -> tensor<?x2048xbf16>
  %ys = moe.experts %xs, %w1s, %w2s, %ws, %idss
      activation <swiglu_oai, layout = interleaved> tile <block_m = 16, block_n = 64>
      : (tensor<4x2880xf16>, tensor<128x5760x2880xf16>, tensor<128x2880x2880xf16>,
         tensor<4x4xf32>, tensor<4x4xi32>) -> tensor<4x2880xf16>
  return %y, %ys : tensor<?x2048xbf16>, tensor<4x2880xf16>
}
