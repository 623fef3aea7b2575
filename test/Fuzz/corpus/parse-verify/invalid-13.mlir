func.func @gate_top_k_exceeds_kept(%l: tensor<4x64xf32>) {
  %w, %i = moe.gate %l top_k 17 sigmoid groups 8 keep 2 : tensor<4x64xf32> -> tensor<4x17xf32>, tensor<4x17xi32>
  return
}
