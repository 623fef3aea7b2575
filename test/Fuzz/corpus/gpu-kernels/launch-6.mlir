module attributes {moe.parallel = #moe.parallel<ep = 4>} {
  func.func @exchange(%x: tensor<?x16xbf16>, %send: tensor<4xi32>) -> (tensor<?x16xbf16>, tensor<4xi32>) {
    %r, %c = moe.all_to_all %x, %send group "ep" : tensor<?x16xbf16>, tensor<4xi32> -> tensor<?x16xbf16>, tensor<4xi32>
    return %r, %c : tensor<?x16xbf16>, tensor<4xi32>
  }
}
