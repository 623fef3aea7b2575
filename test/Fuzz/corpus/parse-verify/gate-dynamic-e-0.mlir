func.func @gate(%l: tensor<4x?xf32>) -> (tensor<4x2xf32>, tensor<4x2xi32>) {
  %w, %i = moe.gate %l top_k 2 softmax : tensor<4x?xf32> -> tensor<4x2xf32>, tensor<4x2xi32>
  return %w, %i : tensor<4x2xf32>, tensor<4x2xi32>
}
