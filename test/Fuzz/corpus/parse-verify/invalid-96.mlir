module attributes {moe.parallel = #moe.parallel<ep = 2>} {
  func.func @all_to_all_scalar(%x: tensor<bf16>, %c: tensor<2xi32>) {
    %y, %r = moe.all_to_all %x, %c group "ep" : tensor<bf16>, tensor<2xi32> -> tensor<bf16>, tensor<2xi32>
    return
  }
}
