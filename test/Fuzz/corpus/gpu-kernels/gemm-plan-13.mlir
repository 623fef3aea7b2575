func.func @mma_row_dot(%x: tensor<?x64xbf16>, %w: tensor<4x32x64xf4E2M1FN>, %ws: tensor<4x32x2xf8E8M0FNU>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x16xbf16> {
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 2 block_m 16 activation <swiglu_oai, layout = interleaved, alpha = 1.702, beta = 1.0, limit = 7.0> w_scales %ws <mx> plan <block_n = 16, waves_n = 1, slices = 1, group = 2, row_group = 8, loads = mma_row_dot, unroll = 1> : (tensor<?x64xbf16>, tensor<4x32x64xf4E2M1FN>, tensor<?xi32>, tensor<?xi32>, tensor<i32>, tensor<4x32x2xf8E8M0FNU>) -> tensor<?x16xbf16>
  return %o : tensor<?x16xbf16>
}
