func.func @experts_zero_intermediate(%x: tensor<?x32xbf16>, %w1: tensor<8x0x32xbf16>, %w2: tensor<8x32x0xbf16>, %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>) {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul> : (tensor<?x32xbf16>, tensor<8x0x32xbf16>, tensor<8x32x0xbf16>, tensor<?x2xf32>, tensor<?x2xi32>) -> tensor<?x32xbf16>
  return
}
