func.func @activation_rank(%x: tensor<4x8xf32>) {
  %y = moe.activation %x <silu_mul> : tensor<4x8xf32> -> tensor<16xf32>
  return
}
