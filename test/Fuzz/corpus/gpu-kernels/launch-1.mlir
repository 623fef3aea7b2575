func.func @chained(%x: tensor<?x64xbf16>, %w1: tensor<8x32x64xbf16>, %w2: tensor<8x64x32xbf16>,
                   %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x64xbf16> {
  %h = moe.grouped_matmul %x, %w1, %s, %b, %c rows tokens top_k 2 block_m 16
      : (tensor<?x64xbf16>, tensor<8x32x64xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x32xbf16>
  %y = moe.grouped_matmul %h, %w2, %s, %b, %c rows routes top_k 2 block_m 16
      : (tensor<?x32xbf16>, tensor<8x64x32xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}
