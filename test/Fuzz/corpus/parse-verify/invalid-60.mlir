func.func @activation_unknown_key(%x: tensor<4x8xf32>) {
  %y = moe.activation %x <swiglu_oai, gamma = 1.0> : tensor<4x8xf32> -> tensor<4x4xf32>
  return
}
