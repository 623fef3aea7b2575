module attributes {moe.parallel = #moe.parallel<ep = 2>} {
  func.func @all_to_all_recv_counts(%x: tensor<?x16xbf16>, %c: tensor<2xi32>) {
    %y, %r = moe.all_to_all %x, %c group "ep" : tensor<?x16xbf16>, tensor<2xi32> -> tensor<?x16xbf16>, tensor<?xi32>
    return
  }
}
