func.func @rms_norm_scalar(%x: tensor<bf16>, %w: tensor<16xbf16>) {
  %y = moe.rms_norm %x, %w eps 1.0e-06 : tensor<bf16>, tensor<16xbf16>
  return
}
