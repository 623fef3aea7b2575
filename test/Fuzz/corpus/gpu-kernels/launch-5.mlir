module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @gather(%x: tensor<4x16xbf16>) -> tensor<4x64xbf16> {
    %g = moe.all_gather %x group "tp" dim 1 : tensor<4x16xbf16> -> tensor<4x64xbf16>
    return %g : tensor<4x64xbf16>
  }
  func.func @gather_rows(%x: tensor<3x16xbf16>) -> tensor<12x16xbf16> {
    %g = moe.all_gather %x group "tp" dim 0 : tensor<3x16xbf16> -> tensor<12x16xbf16>
    return %g : tensor<12x16xbf16>
  }
  func.func @scatter(%x: tensor<?x16xf32>) -> tensor<?x4xf32> {
    %r = moe.reduce_scatter %x group "tp" dim 1 : tensor<?x16xf32> -> tensor<?x4xf32>
    return %r : tensor<?x4xf32>
  }
}
