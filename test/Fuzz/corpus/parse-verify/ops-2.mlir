func.func @align(%ids: tensor<16x8xi32>, %dyn: tensor<?x8xi32>, %begin: index)
    -> (tensor<2048xi32>, tensor<128xi32>, tensor<i32>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) {
  %s, %b, %c = moe.align %ids experts 128 block_m 16
      : tensor<16x8xi32> -> tensor<2048xi32>, tensor<128xi32>, tensor<i32>
  %s2, %b2, %c2 = moe.align %dyn experts 16 block_m 32 range %begin
      : tensor<?x8xi32> -> tensor<?xi32>, tensor<?xi32>, tensor<i32>
  return %s, %b, %c, %s2, %b2, %c2 : tensor<2048xi32>, tensor<128xi32>, tensor<i32>, tensor<?xi32>, tensor<?xi32>, tensor<i32>
}
