func.func @rms_norm_eps(%x: tensor<4x16xbf16>, %w: tensor<16xbf16>) {
  %y = moe.rms_norm %x, %w eps 0.0 : tensor<4x16xbf16>, tensor<16xbf16>
  return
}
