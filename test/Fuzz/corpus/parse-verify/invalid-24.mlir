func.func @align_overflow(%ids: tensor<4x2xi32>) {
  %s, %b, %c = moe.align %ids experts 9223372036854775807 block_m 16 : tensor<4x2xi32> -> tensor<?xi32>, tensor<?xi32>, tensor<i32>
  return
}
