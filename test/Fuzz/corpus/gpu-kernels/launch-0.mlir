func.func @gemm(%x: tensor<?x64xbf16>, %w: tensor<8x32x64xbf16>, %s: tensor<?xi32>,
                %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x32xbf16> {
  %h = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 2 block_m 16
      : (tensor<?x64xbf16>, tensor<8x32x64xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x32xbf16>
  return %h : tensor<?x32xbf16>
}
