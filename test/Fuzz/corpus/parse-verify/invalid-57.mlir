func.func @activation_alpha_not_oai(%x: tensor<4x8xf32>) {
  %y = moe.activation %x <silu_mul, alpha = 1.0> : tensor<4x8xf32> -> tensor<4x4xf32>
  return
}
