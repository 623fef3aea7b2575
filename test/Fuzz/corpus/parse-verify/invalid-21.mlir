func.func @align_sorted_size(%ids: tensor<4x2xi32>) {
  %s, %b, %c = moe.align %ids experts 8 block_m 16 : tensor<4x2xi32> -> tensor<120xi32>, tensor<8xi32>, tensor<i32>
  return
}
