func.func @too_many_accumulators(%a: tensor<?x1536xbf16>, %w: tensor<128x4096x1536xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x4096xbf16> {
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows routes top_k 8 block_m 128 plan <block_n = 128, waves_n = 4, slices = 1, group = 4, row_group = 8, loads = registers, unroll = 1> : (tensor<?x1536xbf16>, tensor<128x4096x1536xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x4096xbf16>
  return %o : tensor<?x4096xbf16>
}
