func.func @align_count_type(%ids: tensor<4x2xi32>) {
  %s, %b, %c = moe.align %ids experts 8 block_m 16 : tensor<4x2xi32> -> tensor<128xi32>, tensor<8xi32>, tensor<1xi32>
  return
}
