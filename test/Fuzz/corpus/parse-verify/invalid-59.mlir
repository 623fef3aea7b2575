func.func @activation_limit_positive(%x: tensor<4x8xf32>) {
  %y = moe.activation %x <swiglu_oai, limit = 0.0> : tensor<4x8xf32> -> tensor<4x4xf32>
  return
}
