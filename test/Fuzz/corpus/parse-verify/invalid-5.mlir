func.func @gate_weights_rank(%l: tensor<4x8xf32>) {
  %w, %i = moe.gate %l top_k 2 softmax : tensor<4x8xf32> -> tensor<8xf32>, tensor<4x2xi32>
  return
}
