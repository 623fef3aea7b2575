func.func @negative_dynamic_gate_up_width(%x: tensor<4x32xbf16>, %w1: tensor<8x?x32xbf16>, %s: tensor<128xi32>,
                                          %b: tensor<8xi32>, %c: tensor<i32>) -> tensor<8x?xbf16> {
  %h = moe.grouped_matmul %x, %w1, %s, %b, %c rows tokens top_k 2 block_m 16
      : (tensor<4x32xbf16>, tensor<8x?x32xbf16>, tensor<128xi32>, tensor<8xi32>, tensor<i32>) -> tensor<8x?xbf16>
  %a = moe.activation %h <silu_mul> : tensor<8x?xbf16> -> tensor<8x?xbf16>
  return %a : tensor<8x?xbf16>
}
