func.func @gmm_block_count(%a: tensor<4x16xbf16>, %w: tensor<8x32x16xbf16>, %s: tensor<128xi32>, %b: tensor<4xi32>, %c: tensor<i32>) {
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows tokens top_k 2 block_m 16 : (tensor<4x16xbf16>, tensor<8x32x16xbf16>, tensor<128xi32>, tensor<4xi32>, tensor<i32>) -> tensor<8x32xbf16>
  return
}
