func.func @gate_ids_type(%l: tensor<4x8xf32>) {
  %w, %i = moe.gate %l top_k 2 softmax : tensor<4x8xf32> -> tensor<4x2xf32>, tensor<4x2xi64>
  return
}
