func.func @experts_zero_top_k(%x: tensor<?x32xbf16>, %w1: tensor<8x48x32xbf16>, %w2: tensor<8x32x24xbf16>, %w: tensor<?x0xf32>, %ids: tensor<?x0xi32>) {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul> : (tensor<?x32xbf16>, tensor<8x48x32xbf16>, tensor<8x32x24xbf16>, tensor<?x0xf32>, tensor<?x0xi32>) -> tensor<?x32xbf16>
  return
}
