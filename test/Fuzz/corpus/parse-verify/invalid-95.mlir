module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @all_gather_type(%x: tensor<4x16xbf16>) {
    %y = moe.all_gather %x group "tp" dim 1 : tensor<4x16xbf16> -> tensor<4x64xf32>
    return
  }
}
