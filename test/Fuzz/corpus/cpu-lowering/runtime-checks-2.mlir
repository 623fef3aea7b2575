func.func @gate_dynamic_experts(%l: tensor<4x?xf32>) -> (tensor<4x4xf32>, tensor<4x4xi32>) {
  %w, %i = moe.gate %l top_k 4 sigmoid groups 4 keep 2 : tensor<4x?xf32> -> tensor<4x4xf32>, tensor<4x4xi32>
  return %w, %i : tensor<4x4xf32>, tensor<4x4xi32>
}
