func.func @gate_groups_zero(%l: tensor<4x256xf32>) {
  %w, %i = moe.gate %l top_k 8 sigmoid groups 0 keep 0 : tensor<4x256xf32> -> tensor<4x8xf32>, tensor<4x8xi32>
  return
}
