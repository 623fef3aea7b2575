module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @all_gather_other_dim(%x: tensor<4x16xbf16>) {
    %y = moe.all_gather %x group "tp" dim 1 : tensor<4x16xbf16> -> tensor<8x64xbf16>
    return
  }
}
