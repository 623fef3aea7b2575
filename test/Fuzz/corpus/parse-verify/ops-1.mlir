func.func @gate_grouped_sigmoid(%logits: tensor<?x256xf32>, %bias: tensor<256xf32>)
    -> (tensor<?x8xf32>, tensor<?x8xi32>) {
  %w, %ids = moe.gate %logits bias %bias top_k 8 sigmoid renormalize groups 8 keep 4 scaling 2.5
      : tensor<?x256xf32>, tensor<256xf32> -> tensor<?x8xf32>, tensor<?x8xi32>
  return %w, %ids : tensor<?x8xf32>, tensor<?x8xi32>
}
