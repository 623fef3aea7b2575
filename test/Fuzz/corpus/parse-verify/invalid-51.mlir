func.func @activation_odd(%x: tensor<4x7xf32>) {
  %y = moe.activation %x <silu_mul> : tensor<4x7xf32> -> tensor<4x3xf32>
  return
}
