module attributes {moe.parallel = #moe.parallel<tp = 2>} {
  func.func @layer(%x: tensor<?x32xbf16>, %w1: tensor<8x48x32xbf16>, %w2: tensor<8x32x24xbf16>,
                   %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>) -> tensor<?x32xbf16> {
    %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
        : (tensor<?x32xbf16>, tensor<8x48x32xbf16>, tensor<8x32x24xbf16>, tensor<?x2xf32>, tensor<?x2xi32>) -> tensor<?x32xbf16>
    return %y : tensor<?x32xbf16>
  }
}
