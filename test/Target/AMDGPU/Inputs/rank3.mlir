func.func @rank3(%x: tensor<2x4x64xf16>, %w: tensor<64xf16>) -> tensor<2x4x64xf16> {
  %y = moe.rms_norm %x, %w eps 1.0e-06 : tensor<2x4x64xf16>, tensor<64xf16>
  return %y : tensor<2x4x64xf16>
}
