func.func @rms_norm_weight_size(%x: tensor<4x16xbf16>, %w: tensor<8xbf16>) {
  %y = moe.rms_norm %x, %w eps 1.0e-06 : tensor<4x16xbf16>, tensor<8xbf16>
  return
}
