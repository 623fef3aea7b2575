func.func @layout_on_function(%x: tensor<4x8xf16>) -> tensor<4x8xf16>
    attributes {moe.parallel = #moe.parallel<ep = 2>} {
  %s = moe.all_reduce %x group "ep" : tensor<4x8xf16>
  return %s : tensor<4x8xf16>
}
