func.func @activation_zero_width(%h: tensor<?x0xbf16>) {
  %a = moe.activation %h <silu_mul> : tensor<?x0xbf16> -> tensor<?x0xbf16>
  return
}
