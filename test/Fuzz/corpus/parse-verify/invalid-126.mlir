func.func @combine_ids_without_experts(%r: tensor<8x16xbf16>, %s: tensor<4x2xf32>, %ids: tensor<4x2xi32>) {
  %y = moe.combine %r, %s ids %ids : tensor<8x16xbf16>, tensor<4x2xf32>, tensor<4x2xi32> -> tensor<4x16xbf16>
  return
}
