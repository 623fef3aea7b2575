func.func @norms(%x: tensor<?x4096xbf16>, %r: tensor<?x4096xbf16>, %w: tensor<4096xbf16>,
                 %s: tensor<2x8x64xf32>, %sw: tensor<64xf32>)
    -> (tensor<?x4096xbf16>, tensor<?x4096xbf16>, tensor<?x4096xbf16>, tensor<2x8x64xf32>) {
  %y = moe.rms_norm %x, %w eps 1.0e-06 offset 1.0 : tensor<?x4096xbf16>, tensor<4096xbf16>
  %n, %sum = moe.add_rms_norm %x, %r, %w eps 1.0e-05 : tensor<?x4096xbf16>, tensor<4096xbf16>
  %z = moe.rms_norm %s, %sw eps 1.0e-05 offset 0.0 : tensor<2x8x64xf32>, tensor<64xf32>
  return %y, %n, %sum, %z : tensor<?x4096xbf16>, tensor<?x4096xbf16>, tensor<?x4096xbf16>, tensor<2x8x64xf32>
}
