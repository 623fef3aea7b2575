func.func @negative_gemm_already_has_epilogue(%x: tensor<4x32xbf16>, %w1: tensor<8x48x32xbf16>, %s: tensor<128xi32>,
                                              %b: tensor<8xi32>, %c: tensor<i32>) -> tensor<8x12xbf16> {
  %h = moe.grouped_matmul %x, %w1, %s, %b, %c rows tokens top_k 2 block_m 16 activation <silu_mul>
      : (tensor<4x32xbf16>, tensor<8x48x32xbf16>, tensor<128xi32>, tensor<8xi32>, tensor<i32>) -> tensor<8x24xbf16>
  %a = moe.activation %h <gelu_mul> : tensor<8x24xbf16> -> tensor<8x12xbf16>
  return %a : tensor<8x12xbf16>
}
