module attributes {moe.parallel = #moe.parallel<tp = 1>} {
  func.func @single_rank(%x: tensor<2x3x16xbf16>) -> tensor<2x3x8xbf16> {
    %r = moe.all_reduce %x group "tp" : tensor<2x3x16xbf16>
    %y = moe.activation %r <silu_mul> : tensor<2x3x16xbf16> -> tensor<2x3x8xbf16>
    return %y : tensor<2x3x8xbf16>
  }
}
