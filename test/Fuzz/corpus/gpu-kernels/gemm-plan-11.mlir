func.func @row_dot_too_many_registers(%x: tensor<?x4096xbf16>, %w: tensor<128x768x4096xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x384xbf16> {
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 8 block_m 16 activation <silu_mul> plan <block_n = 16, waves_n = 4, slices = 1, group = 4, row_group = 1, loads = row_dot, unroll = 4> : (tensor<?x4096xbf16>, tensor<128x768x4096xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x384xbf16>
  return %o : tensor<?x384xbf16>
}
