func.func @grouped_matmul_dynamic(%x: tensor<?x2048xbf16>, %w1: tensor<16x1536x2048xbf16>,
                                  %sorted: tensor<?xi32>, %blocks: tensor<?xi32>,
                                  %count: tensor<i32>) -> tensor<?x1536xbf16> {
  %h = moe.grouped_matmul %x, %w1, %sorted, %blocks, %count rows tokens top_k 8 block_m 16
      : (tensor<?x2048xbf16>, tensor<16x1536x2048xbf16>, tensor<?xi32>, tensor<?xi32>,
         tensor<i32>) -> tensor<?x1536xbf16>
  return %h : tensor<?x1536xbf16>
}
