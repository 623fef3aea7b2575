func.func @gemm_dynamic_k(%x: tensor<?x?xbf16>, %w: tensor<8x32x64xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x32xbf16> {
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 2 block_m 16 : (tensor<?x?xbf16>, tensor<8x32x64xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x32xbf16>
  return %o : tensor<?x32xbf16>
}
