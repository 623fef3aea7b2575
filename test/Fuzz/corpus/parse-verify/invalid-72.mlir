func.func @add_rms_norm_eps(%x: tensor<4x16xbf16>, %r: tensor<4x16xbf16>, %w: tensor<16xbf16>) {
  %n, %o = moe.add_rms_norm %x, %r, %w eps -1.0 : tensor<4x16xbf16>, tensor<16xbf16>
  return
}
