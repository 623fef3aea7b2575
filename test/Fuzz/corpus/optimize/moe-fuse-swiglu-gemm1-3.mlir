func.func @negative_intermediate_has_other_users(%x: tensor<4x32xbf16>, %w1: tensor<8x48x32xbf16>, %s: tensor<128xi32>,
                                                 %b: tensor<8xi32>, %c: tensor<i32>) -> (tensor<8x24xbf16>, tensor<8x48xbf16>) {
  %h = moe.grouped_matmul %x, %w1, %s, %b, %c rows tokens top_k 2 block_m 16
      : (tensor<4x32xbf16>, tensor<8x48x32xbf16>, tensor<128xi32>, tensor<8xi32>, tensor<i32>) -> tensor<8x48xbf16>
  %a = moe.activation %h <silu_mul> : tensor<8x48xbf16> -> tensor<8x24xbf16>
  return %a, %h : tensor<8x24xbf16>, tensor<8x48xbf16>
}
