func.func @qwen_gemm2(%a: tensor<?x384xbf16>, %w: tensor<128x4096x384xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x4096xbf16> {
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows routes top_k 8 block_m 16 tile <block_m = 16, block_n = 64> : (tensor<?x384xbf16>, tensor<128x4096x384xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x4096xbf16>
  return %o : tensor<?x4096xbf16>
}

func.func @qwen_gemm1(%x: tensor<?x4096xbf16>, %w: tensor<128x768x4096xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x384xbf16> {
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 8 block_m 16 activation <silu_mul> tile <block_m = 16, block_n = 32> : (tensor<?x4096xbf16>, tensor<128x768x4096xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x384xbf16>
  return %o : tensor<?x384xbf16>
}
