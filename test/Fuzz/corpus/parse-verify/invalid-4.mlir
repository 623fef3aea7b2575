func.func @gate_bias_size(%l: tensor<4x8xf32>, %b: tensor<16xf32>) {
  %w, %i = moe.gate %l bias %b top_k 2 sigmoid : tensor<4x8xf32>, tensor<16xf32> -> tensor<4x2xf32>, tensor<4x2xi32>
  return
}
