func.func @decode_gemm1(%x: tensor<?x2880xbf16>, %w: tensor<128x5760x2880xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x2880xbf16> {
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 4 block_m 16 activation <swiglu_oai, layout = interleaved> tile <block_m = 16, block_n = 128> : (tensor<?x2880xbf16>, tensor<128x5760x2880xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x2880xbf16>
  return %o : tensor<?x2880xbf16>
}
