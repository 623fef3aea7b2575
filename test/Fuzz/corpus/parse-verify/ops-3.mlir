func.func @align_small(%ids: tensor<4x3xi32>) -> tensor<80xi32> {
  %s, %b, %c = moe.align %ids experts 4 block_m 16
      : tensor<4x3xi32> -> tensor<80xi32>, tensor<5xi32>, tensor<i32>
  return %s : tensor<80xi32>
}
