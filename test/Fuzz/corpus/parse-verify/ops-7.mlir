func.func @activation(%a: tensor<?x5760xbf16>, %b: tensor<8x4096xf32>)
    -> (tensor<?x2880xbf16>, tensor<8x2048xf32>, tensor<8x2048xf32>) {
  %x = moe.activation %a <swiglu_oai, limit = 10.0, beta = 0.5, alpha = 1.5, layout = interleaved>
      : tensor<?x5760xbf16> -> tensor<?x2880xbf16>
  %y = moe.activation %b <gelu_mul, layout = split> : tensor<8x4096xf32> -> tensor<8x2048xf32>
  %z = moe.activation %b <silu_mul, layout = interleaved> : tensor<8x4096xf32> -> tensor<8x2048xf32>
  return %x, %y, %z : tensor<?x2880xbf16>, tensor<8x2048xf32>, tensor<8x2048xf32>
}
