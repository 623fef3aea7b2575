func.func @gate_top_k_zero(%l: tensor<4x8xf32>) {
  %w, %i = moe.gate %l top_k 0 softmax : tensor<4x8xf32> -> tensor<4x0xf32>, tensor<4x0xi32>
  return
}
