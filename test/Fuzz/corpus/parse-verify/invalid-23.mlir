func.func @align_block_count(%ids: tensor<4x2xi32>) {
  %s, %b, %c = moe.align %ids experts 8 block_m 16 : tensor<4x2xi32> -> tensor<128xi32>, tensor<16xi32>, tensor<i32>
  return
}
