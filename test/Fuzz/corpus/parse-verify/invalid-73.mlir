func.func @collective_without_layout(%x: tensor<4x16xbf16>) {
  %y = moe.all_reduce %x group "tp" : tensor<4x16xbf16>
  return
}
