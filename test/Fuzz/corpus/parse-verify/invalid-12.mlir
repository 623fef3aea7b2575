func.func @gate_group_too_small(%l: tensor<4x8xf32>) {
  %w, %i = moe.gate %l top_k 2 sigmoid groups 8 keep 4 : tensor<4x8xf32> -> tensor<4x2xf32>, tensor<4x2xi32>
  return
}
