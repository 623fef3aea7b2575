module attributes {moe.parallel = #moe.parallel<ep = 4>} {
  func.func @exchange(%x: tensor<8x16xbf16>, %send: tensor<4xi32>, %w: tensor<16xbf16>) -> (tensor<8x16xbf16>, tensor<4xi32>) {
    %r, %c = moe.all_to_all %x, %send group "ep" : tensor<8x16xbf16>, tensor<4xi32> -> tensor<8x16xbf16>, tensor<4xi32>
    %y = moe.rms_norm %r, %w eps 1.0e-06 : tensor<8x16xbf16>, tensor<16xbf16>
    return %y, %c : tensor<8x16xbf16>, tensor<4xi32>
  }
}
