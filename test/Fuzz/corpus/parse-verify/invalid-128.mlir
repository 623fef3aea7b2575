func.func @combine_zero_experts(%r: tensor<8x16xbf16>, %s: tensor<4x2xf32>, %ids: tensor<4x2xi32>) {
  %y = moe.combine %r, %s ids %ids experts 0 : tensor<8x16xbf16>, tensor<4x2xf32>, tensor<4x2xi32> -> tensor<4x16xbf16>
  return
}
