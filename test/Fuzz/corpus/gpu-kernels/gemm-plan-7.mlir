func.func @too_much_lds(%x: tensor<?x2880xbf16>, %w: tensor<128x5760x2880xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x2880xbf16> {
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 4 block_m 16 activation <swiglu_oai, layout = interleaved> plan <block_n = 128, waves_n = 4, slices = 5, group = 4, row_group = 1, loads = registers, unroll = 1> : (tensor<?x2880xbf16>, tensor<128x5760x2880xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x2880xbf16>
  return %o : tensor<?x2880xbf16>
}
