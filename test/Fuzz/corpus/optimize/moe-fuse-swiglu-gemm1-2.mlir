func.func @fuse_gelu_keeps_routed_weight(%x: tensor<4x32xf16>, %w1: tensor<8x48x32xf16>, %s: tensor<128xi32>,
                                         %b: tensor<8xi32>, %c: tensor<i32>, %rw: tensor<4x2xf32>) -> tensor<8x24xf16> {
  %h = moe.grouped_matmul %x, %w1, %s, %b, %c rows tokens top_k 2 block_m 16 weights %rw
      : (tensor<4x32xf16>, tensor<8x48x32xf16>, tensor<128xi32>, tensor<8xi32>, tensor<i32>, tensor<4x2xf32>) -> tensor<8x48xf16>
  %a = moe.activation %h <gelu_mul> : tensor<8x48xf16> -> tensor<8x24xf16>
  return %a : tensor<8x24xf16>
}
