func.func @gate_scaling(%l: tensor<4x8xf32>) {
  %w, %i = moe.gate %l top_k 2 softmax scaling -1.0 : tensor<4x8xf32> -> tensor<4x2xf32>, tensor<4x2xi32>
  return
}
