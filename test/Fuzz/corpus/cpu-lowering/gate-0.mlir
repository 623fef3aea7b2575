func.func @softmax_renorm(%l: tensor<16x8xf32>) -> (tensor<16x8xf32>, tensor<16x8xi32>) {
  %w, %i = moe.gate %l top_k 8 softmax renormalize : tensor<16x8xf32> -> tensor<16x8xf32>, tensor<16x8xi32>
  return %w, %i : tensor<16x8xf32>, tensor<16x8xi32>
}

func.func @softmax_top2(%l: tensor<16x8xbf16>) -> (tensor<16x2xf32>, tensor<16x2xi32>) {
  %w, %i = moe.gate %l top_k 2 softmax renormalize : tensor<16x8xbf16> -> tensor<16x2xf32>, tensor<16x2xi32>
  return %w, %i : tensor<16x2xf32>, tensor<16x2xi32>
}

func.func @softmax_plain(%l: tensor<?x32xf16>) -> (tensor<?x3xf32>, tensor<?x3xi32>) {
  %w, %i = moe.gate %l top_k 3 softmax : tensor<?x32xf16> -> tensor<?x3xf32>, tensor<?x3xi32>
  return %w, %i : tensor<?x3xf32>, tensor<?x3xi32>
}

func.func @sigmoid_grouped(%l: tensor<?x32xf32>, %b: tensor<32xf32>) -> (tensor<?x4xf32>, tensor<?x4xi32>) {
  %w, %i = moe.gate %l bias %b top_k 4 sigmoid renormalize groups 8 keep 3 scaling 2.5
      : tensor<?x32xf32>, tensor<32xf32> -> tensor<?x4xf32>, tensor<?x4xi32>
  return %w, %i : tensor<?x4xf32>, tensor<?x4xi32>
}

func.func @sigmoid_bias_only(%l: tensor<5x16xbf16>, %b: tensor<16xf32>) -> (tensor<5x6xf32>, tensor<5x6xi32>) {
  %w, %i = moe.gate %l bias %b top_k 6 sigmoid : tensor<5x16xbf16>, tensor<16xf32> -> tensor<5x6xf32>, tensor<5x6xi32>
  return %w, %i : tensor<5x6xf32>, tensor<5x6xi32>
}
