func.func @gate_top_k_too_large(%l: tensor<4x128xf32>) {
  %w, %i = moe.gate %l top_k 129 softmax : tensor<4x128xf32> -> tensor<4x129xf32>, tensor<4x129xi32>
  return
}
