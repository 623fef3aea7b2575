func.func @add_rms_norm_types(%x: tensor<4x16xbf16>, %r: tensor<4x16xf32>, %w: tensor<16xbf16>) {
  %n, %o = "moe.add_rms_norm"(%x, %r, %w) <{epsilon = 1.0e-06 : f32, offset = 0.0 : f32}> : (tensor<4x16xbf16>, tensor<4x16xf32>, tensor<16xbf16>) -> (tensor<4x16xbf16>, tensor<4x16xbf16>)
  return
}
