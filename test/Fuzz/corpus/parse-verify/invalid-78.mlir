module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @reduce_scatter_divisible(%x: tensor<4x18xbf16>) {
    %y = moe.reduce_scatter %x group "tp" dim 1 : tensor<4x18xbf16> -> tensor<4x4xbf16>
    return
  }
}
