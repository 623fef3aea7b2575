func.func @gate_logits_rank(%l: tensor<2x4x8xf32>) {
  %w, %i = moe.gate %l top_k 2 softmax : tensor<2x4x8xf32> -> tensor<2x2xf32>, tensor<2x2xi32>
  return
}
