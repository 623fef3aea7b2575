module attributes {moe.parallel = #moe.parallel<tp = 2>} {
  func.func @fused_norm_weight(%x: tensor<4x16xbf16>, %r: tensor<4x16xbf16>, %w: tensor<32xbf16>) {
    %n, %o = moe.all_reduce_add_rms_norm %x, %r, %w group "tp" eps 1.0e-06 : tensor<4x16xbf16>, tensor<32xbf16>
    return
  }
}
