func.func @k12(%x: tensor<4x12xbf16>, %w: tensor<8x32x12xbf16>, %s: tensor<128xi32>,
               %b: tensor<8xi32>, %c: tensor<i32>) -> tensor<8x32xbf16> {
  %h = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 2 block_m 16
      : (tensor<4x12xbf16>, tensor<8x32x12xbf16>, tensor<128xi32>, tensor<8xi32>, tensor<i32>) -> tensor<8x32xbf16>
  return %h : tensor<8x32xbf16>
}
