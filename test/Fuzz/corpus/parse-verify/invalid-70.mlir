func.func @rms_norm_offset(%x: tensor<4x16xbf16>, %w: tensor<16xbf16>) {
  %y = moe.rms_norm %x, %w eps 1.0e-06 offset 0x7F800000 : tensor<4x16xbf16>, tensor<16xbf16>
  return
}
