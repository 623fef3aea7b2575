func.func @activation_bad_layout(%x: tensor<4x8xf32>) {
  %y = moe.activation %x <silu_mul, layout = blocked> : tensor<4x8xf32> -> tensor<4x4xf32>
  return
}
