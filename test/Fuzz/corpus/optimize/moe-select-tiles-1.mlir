func.func @gemm_keeps_block_m(%x: tensor<16x2048xbf16>, %w: tensor<16x1536x2048xbf16>, %s: tensor<2048xi32>,
                              %b: tensor<32xi32>, %c: tensor<i32>) -> tensor<128x1536xbf16> {
  %h = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 8 block_m 64
      : (tensor<16x2048xbf16>, tensor<16x1536x2048xbf16>, tensor<2048xi32>, tensor<32xi32>, tensor<i32>) -> tensor<128x1536xbf16>
  return %h : tensor<128x1536xbf16>
}
