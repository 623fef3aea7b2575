func.func @activation_scalar(%x: tensor<f32>) {
  %y = moe.activation %x <silu_mul> : tensor<f32> -> tensor<f32>
  return
}
