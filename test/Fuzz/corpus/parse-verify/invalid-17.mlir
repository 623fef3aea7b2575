func.func @gate_unknown_scoring(%l: tensor<4x8xf32>) {
  %w, %i = moe.gate %l top_k 2 tanh : tensor<4x8xf32> -> tensor<4x2xf32>, tensor<4x2xi32>
  return
}
