func.func @activation_unknown_kind(%x: tensor<4x8xf32>) {
  %y = moe.activation %x <relu> : tensor<4x8xf32> -> tensor<4x4xf32>
  return
}
