func.func @combine_routes(%r: tensor<6x16xbf16>, %s: tensor<4x2xf32>) {
  %y = moe.combine %r, %s : tensor<6x16xbf16>, tensor<4x2xf32> -> tensor<4x16xbf16>
  return
}
