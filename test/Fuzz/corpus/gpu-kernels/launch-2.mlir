func.func @align(%ids: tensor<?x2xi32>) -> (tensor<?xi32>, tensor<?xi32>, tensor<i32>) {
  %s, %b, %c = moe.align %ids experts 8 block_m 16 : tensor<?x2xi32> -> tensor<?xi32>, tensor<?xi32>, tensor<i32>
  return %s, %b, %c : tensor<?xi32>, tensor<?xi32>, tensor<i32>
}
