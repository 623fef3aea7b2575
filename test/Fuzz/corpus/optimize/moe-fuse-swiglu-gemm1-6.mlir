func.func @negative_not_a_gemm(%h: tensor<8x48xbf16>) -> tensor<8x24xbf16> {
  %a = moe.activation %h <silu_mul> : tensor<8x48xbf16> -> tensor<8x24xbf16>
  return %a : tensor<8x24xbf16>
}
