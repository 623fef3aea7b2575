module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @block(%x: tensor<?x4096xbf16>, %res: tensor<?x4096xbf16>, %w: tensor<4096xbf16>)
      -> (tensor<?x4096xbf16>, tensor<?x4096xbf16>) {
    %n, %r = moe.all_reduce_add_rms_norm %x, %res, %w group "tp" eps 1.0e-06 offset 1.0
        : tensor<?x4096xbf16>, tensor<4096xbf16>
    return %n, %r : tensor<?x4096xbf16>, tensor<?x4096xbf16>
  }
}
