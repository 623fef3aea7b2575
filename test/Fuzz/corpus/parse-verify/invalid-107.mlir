func.func @experts_zero_hidden(%x: tensor<?x0xbf16>, %w1: tensor<8x48x0xbf16>, %w2: tensor<8x0x24xbf16>, %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>) {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul> : (tensor<?x0xbf16>, tensor<8x48x0xbf16>, tensor<8x0x24xbf16>, tensor<?x2xf32>, tensor<?x2xi32>) -> tensor<?x0xbf16>
  return
}
