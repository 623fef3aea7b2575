func.func @activation_beta_finite(%x: tensor<4x8xf32>) {
  %y = moe.activation %x <swiglu_oai, beta = 0x7FF0000000000000> : tensor<4x8xf32> -> tensor<4x4xf32>
  return
}
