func.func @row_dot_route_groups_do_not_divide(%a: tensor<?x384xbf16>, %w: tensor<128x4096x384xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x4096xbf16> {
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows routes top_k 8 block_m 16 plan <block_n = 64, waves_n = 4, slices = 1, group = 2, row_group = 3, loads = row_dot, unroll = 1> : (tensor<?x384xbf16>, tensor<128x4096x384xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x4096xbf16>
  return %o : tensor<?x4096xbf16>
}
