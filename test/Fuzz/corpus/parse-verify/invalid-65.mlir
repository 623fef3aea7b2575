func.func @combine_scale_type(%r: tensor<8x16xbf16>, %s: tensor<4x2xbf16>) {
  %y = moe.combine %r, %s : tensor<8x16xbf16>, tensor<4x2xbf16> -> tensor<4x16xbf16>
  return
}
