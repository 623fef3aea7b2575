func.func @activation_result_rows(%x: tensor<4x8xf32>) {
  %y = moe.activation %x <silu_mul> : tensor<4x8xf32> -> tensor<2x4xf32>
  return
}
