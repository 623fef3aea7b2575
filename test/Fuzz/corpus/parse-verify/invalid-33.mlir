func.func @experts_weight_type(%x: tensor<4x16xbf16>, %w1: tensor<8x32x16xf16>, %w2: tensor<8x16x16xbf16>, %w: tensor<4x2xf32>, %i: tensor<4x2xi32>) {
  %y = moe.experts %x, %w1, %w2, %w, %i activation <silu_mul> : (tensor<4x16xbf16>, tensor<8x32x16xf16>, tensor<8x16x16xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x16xbf16>
  return
}
