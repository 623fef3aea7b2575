func.func @single_rank(%x: tensor<4x16xbf16>) -> tensor<4x16xbf16>
    attributes {moe.parallel = #moe.parallel<tp = 1>} {
  %y = moe.all_reduce %x group "tp" : tensor<4x16xbf16>
  return %y : tensor<4x16xbf16>
}
