module attributes {moe.parallel = #moe.parallel<ep = 8>} {
  func.func @all_to_all_row_width(%x: tensor<?x16xbf16>, %c: tensor<8xi32>) {
    %y, %r = moe.all_to_all %x, %c group "ep" : tensor<?x16xbf16>, tensor<8xi32> -> tensor<?x32xbf16>, tensor<8xi32>
    return
  }
}
