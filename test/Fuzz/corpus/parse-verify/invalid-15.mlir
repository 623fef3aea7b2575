func.func @gate_logits_type(%l: tensor<4x8xi32>) {
  %w, %i = moe.gate %l top_k 2 softmax : tensor<4x8xi32> -> tensor<4x2xf32>, tensor<4x2xi32>
  return
}
