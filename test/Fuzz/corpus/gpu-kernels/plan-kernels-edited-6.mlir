func.func @warpgroup_registers(%x: tensor<?x2880xbf16>, %w: tensor<128x5760x2880xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x2880xbf16> {
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 4 block_m 128 activation <swiglu_oai, layout = interleaved> plan <block_n = 256, waves_n = 2, slices = 1, group = 16, row_group = 1, loads = warpgroup_tiles, stages = 2> : (tensor<?x2880xbf16>, tensor<128x5760x2880xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x2880xbf16>
  return %o : tensor<?x2880xbf16>
}
