func.func @grouped_matmul(%x: tensor<16x2048xbf16>, %w1: tensor<128x1536x2048xbf16>,
                          %w2: tensor<128x2048x768xbf16>, %sorted: tensor<2048xi32>,
                          %blocks: tensor<128xi32>, %count: tensor<i32>,
                          %weights: tensor<16x8xf32>) -> tensor<128x2048xbf16> {
  %h = moe.grouped_matmul %x, %w1, %sorted, %blocks, %count rows tokens top_k 8 block_m 16
      activation <silu_mul> tile <block_m = 16, block_n = 128>
      : (tensor<16x2048xbf16>, tensor<128x1536x2048xbf16>, tensor<2048xi32>,
         tensor<128xi32>, tensor<i32>) -> tensor<128x768xbf16>
  %o = moe.grouped_matmul %h, %w2, %sorted, %blocks, %count rows routes top_k 8 block_m 16
      weights %weights
      : (tensor<128x768xbf16>, tensor<128x2048x768xbf16>, tensor<2048xi32>,
         tensor<128xi32>, tensor<i32>, tensor<16x8xf32>) -> tensor<128x2048xbf16>
  return %o : tensor<128x2048xbf16>
}
