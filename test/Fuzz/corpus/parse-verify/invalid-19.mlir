func.func @align_experts_zero(%ids: tensor<4x2xi32>) {
  %s, %b, %c = moe.align %ids experts 0 block_m 16 : tensor<4x2xi32> -> tensor<16xi32>, tensor<1xi32>, tensor<i32>
  return
}
