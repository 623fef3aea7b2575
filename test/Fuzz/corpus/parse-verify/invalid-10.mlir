func.func @gate_keep_too_many(%l: tensor<4x256xf32>) {
  %w, %i = moe.gate %l top_k 8 sigmoid groups 8 keep 9 : tensor<4x256xf32> -> tensor<4x8xf32>, tensor<4x8xi32>
  return
}
