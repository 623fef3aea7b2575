func.func @norms(%x: tensor<?x4096xbf16>, %r: tensor<?x4096xbf16>, %w: tensor<4096xbf16>)
    -> (tensor<?x4096xbf16>, tensor<?x4096xbf16>, tensor<?x4096xbf16>) {
  %n, %s = moe.add_rms_norm %x, %r, %w eps 1.0e-06 offset 1.0 : tensor<?x4096xbf16>, tensor<4096xbf16>
  %y = moe.rms_norm %s, %w eps 1.0e-06 : tensor<?x4096xbf16>, tensor<4096xbf16>
  return %n, %s, %y : tensor<?x4096xbf16>, tensor<?x4096xbf16>, tensor<?x4096xbf16>
}
