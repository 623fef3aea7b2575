func.func @experts_top_k(%x: tensor<4x16xbf16>, %w1: tensor<2x32x16xbf16>, %w2: tensor<2x16x16xbf16>, %w: tensor<4x3xf32>, %i: tensor<4x3xi32>) {
  %y = moe.experts %x, %w1, %w2, %w, %i activation <silu_mul> : (tensor<4x16xbf16>, tensor<2x32x16xbf16>, tensor<2x16x16xbf16>, tensor<4x3xf32>, tensor<4x3xi32>) -> tensor<4x16xbf16>
  return
}
