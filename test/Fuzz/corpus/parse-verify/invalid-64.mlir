func.func @combine_result_tokens(%r: tensor<8x16xbf16>, %s: tensor<4x2xf32>) {
  %y = moe.combine %r, %s : tensor<8x16xbf16>, tensor<4x2xf32> -> tensor<8x16xbf16>
  return
}
