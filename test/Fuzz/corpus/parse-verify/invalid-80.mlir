module attributes {moe.parallel = #moe.parallel<ep = 8>} {
  func.func @all_to_all_counts(%x: tensor<?x16xbf16>, %c: tensor<4xi32>) {
    %y, %r = moe.all_to_all %x, %c group "ep" : tensor<?x16xbf16>, tensor<4xi32> -> tensor<?x16xbf16>, tensor<4xi32>
    return
  }
}
