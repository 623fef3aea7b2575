func.func @activation_result_cols(%x: tensor<4x8xf32>) {
  %y = moe.activation %x <silu_mul> : tensor<4x8xf32> -> tensor<4x8xf32>
  return
}
