func.func @gate_ids_k_dynamic(%l: tensor<?x8xf32>) {
  %w, %i = moe.gate %l top_k 2 softmax : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x?xi32>
  return
}
