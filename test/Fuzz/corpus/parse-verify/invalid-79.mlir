module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @reduce_scatter_size(%x: tensor<4x16xbf16>) {
    %y = moe.reduce_scatter %x group "tp" dim 1 : tensor<4x16xbf16> -> tensor<4x16xbf16>
    return
  }
}
