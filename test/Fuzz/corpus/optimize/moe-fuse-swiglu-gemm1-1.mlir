func.func @fuse_interleaved_swiglu_oai(%x: tensor<?x2880xbf16>, %w1: tensor<128x5760x2880xbf16>, %s: tensor<?xi32>,
                                       %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x2880xbf16> {
  %h = moe.grouped_matmul %x, %w1, %s, %b, %c rows tokens top_k 4 block_m 16
      : (tensor<?x2880xbf16>, tensor<128x5760x2880xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x5760xbf16>
  %a = moe.activation %h <swiglu_oai, layout = interleaved> : tensor<?x5760xbf16> -> tensor<?x2880xbf16>
  return %a : tensor<?x2880xbf16>
}
