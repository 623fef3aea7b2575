func.func @gate(%l: tensor<?x8xbf16>) -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %w, %i = moe.gate %l top_k 2 softmax renormalize : tensor<?x8xbf16> -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w, %i : tensor<?x2xf32>, tensor<?x2xi32>
}
