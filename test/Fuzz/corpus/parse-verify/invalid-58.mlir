func.func @activation_alpha_positive(%x: tensor<4x8xf32>) {
  %y = moe.activation %x <swiglu_oai, alpha = -1.702> : tensor<4x8xf32> -> tensor<4x4xf32>
  return
}
