func.func @combine_zero_top_k(%r: tensor<0x32xbf16>, %s: tensor<4x0xf32>) {
  %y = moe.combine %r, %s : tensor<0x32xbf16>, tensor<4x0xf32> -> tensor<4x32xbf16>
  return
}
