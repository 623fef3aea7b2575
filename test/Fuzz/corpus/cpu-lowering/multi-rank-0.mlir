module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @tp4(%x: tensor<4x16xbf16>) -> tensor<4x16xbf16> {
    %y = moe.all_reduce %x group "tp" : tensor<4x16xbf16>
    return %y : tensor<4x16xbf16>
  }
}
