module attributes {moe.parallel = #moe.parallel<tp = 4, ep = 8>} {
  func.func @collective_unknown_group(%x: tensor<4x16xbf16>) {
    %y = moe.all_reduce %x group "dp" : tensor<4x16xbf16>
    return
  }
}
