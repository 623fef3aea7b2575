func.func @planned_gemm(%x: tensor<?x64xbf16>, %w: tensor<8x32x64xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x32xbf16> {
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 2 block_m 16 plan <block_n = 32, waves_n = 4, slices = 1, group = 1, row_group = 1, loads = async_copy, stages = 3> : (tensor<?x64xbf16>, tensor<8x32x64xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x32xbf16>
  return %o : tensor<?x32xbf16>
}
