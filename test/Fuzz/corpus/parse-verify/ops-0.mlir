func.func @gate_softmax(%logits: tensor<16x128xbf16>, %dyn: tensor<?x128xf32>)
    -> (tensor<16x4xf32>, tensor<16x4xi32>, tensor<?x4xf32>, tensor<?x4xi32>) {
  %w, %ids = moe.gate %logits top_k 4 softmax renormalize
      : tensor<16x128xbf16> -> tensor<16x4xf32>, tensor<16x4xi32>
  %w2, %ids2 = moe.gate %dyn top_k 4 softmax
      : tensor<?x128xf32> -> tensor<?x4xf32>, tensor<?x4xi32>
  return %w, %ids, %w2, %ids2 : tensor<16x4xf32>, tensor<16x4xi32>, tensor<?x4xf32>, tensor<?x4xi32>
}
