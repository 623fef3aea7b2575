func.func @prefill_gemm2(%a: tensor<?x1536xbf16>, %w: tensor<128x4096x1536xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x4096xbf16> {
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows routes top_k 8 block_m 64 tile <block_m = 64, block_n = 128> : (tensor<?x1536xbf16>, tensor<128x4096x1536xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x4096xbf16>
  return %o : tensor<?x4096xbf16>
}
