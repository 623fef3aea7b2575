func.func @static_norm(%x: tensor<4x16xbf16>, %w: tensor<16xbf16>) -> tensor<4x16xbf16> {
  %y = moe.rms_norm %x, %w eps 1.0e-06 : tensor<4x16xbf16>, tensor<16xbf16>
  return %y : tensor<4x16xbf16>
}
