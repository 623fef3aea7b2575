func.func @align_block_m(%ids: tensor<4x2xi32>) {
  %s, %b, %c = moe.align %ids experts 8 block_m 24 : tensor<4x2xi32> -> tensor<192xi32>, tensor<8xi32>, tensor<i32>
  return
}
