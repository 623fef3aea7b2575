func.func @grouped_matmul_zero_experts(%a: tensor<?x32xbf16>, %w: tensor<0x16x32xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) {
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows tokens top_k 2 block_m 16 : (tensor<?x32xbf16>, tensor<0x16x32xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x16xbf16>
  return
}
