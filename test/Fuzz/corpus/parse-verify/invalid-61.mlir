func.func @activation_key_twice(%x: tensor<4x8xf32>) {
  %y = moe.activation %x <swiglu_oai, limit = 7.0, limit = 8.0> : tensor<4x8xf32> -> tensor<4x4xf32>
  return
}
