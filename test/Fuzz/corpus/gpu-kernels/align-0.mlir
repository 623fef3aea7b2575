func.func @align16(%ids: tensor<?x4xi32>) -> (tensor<?xi32>, tensor<?xi32>, tensor<i32>) {
  %s, %b, %c = moe.align %ids experts 8 block_m 16 : tensor<?x4xi32> -> tensor<?xi32>, tensor<?xi32>, tensor<i32>
  return %s, %b, %c : tensor<?xi32>, tensor<?xi32>, tensor<i32>
}

func.func @align_vllm(%ids: tensor<4x3xi32>) -> (tensor<96xi32>, tensor<6xi32>, tensor<i32>) {
  %s, %b, %c = moe.align %ids experts 5 block_m 16 : tensor<4x3xi32> -> tensor<96xi32>, tensor<6xi32>, tensor<i32>
  return %s, %b, %c : tensor<96xi32>, tensor<6xi32>, tensor<i32>
}

func.func @align_big_block(%ids: tensor<2x2xi32>) -> (tensor<256xi32>, tensor<4xi32>, tensor<i32>) {
  %s, %b, %c = moe.align %ids experts 4 block_m 64 : tensor<2x2xi32> -> tensor<256xi32>, tensor<4xi32>, tensor<i32>
  return %s, %b, %c : tensor<256xi32>, tensor<4xi32>, tensor<i32>
}

func.func @align_range(%ids: tensor<?x2xi32>, %begin: index) -> (tensor<?xi32>, tensor<?xi32>, tensor<i32>) {
  %s, %b, %c = moe.align %ids experts 4 block_m 16 range %begin : tensor<?x2xi32> -> tensor<?xi32>, tensor<?xi32>, tensor<i32>
  return %s, %b, %c : tensor<?xi32>, tensor<?xi32>, tensor<i32>
}

func.func @align_wide(%ids: tensor<?x8xi32>) -> (tensor<?xi32>, tensor<?xi32>, tensor<i32>) {
  %s, %b, %c = moe.align %ids experts 160 block_m 32 : tensor<?x8xi32> -> tensor<?xi32>, tensor<?xi32>, tensor<i32>
  return %s, %b, %c : tensor<?xi32>, tensor<?xi32>, tensor<i32>
}
