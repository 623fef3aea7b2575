func.func @f32_gemm(%x: tensor<4x32xf32>, %w: tensor<8x32x32xf32>, %s: tensor<128xi32>,
                    %b: tensor<8xi32>, %c: tensor<i32>) -> tensor<8x32xf32> {
  %h = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 2 block_m 16
      : (tensor<4x32xf32>, tensor<8x32x32xf32>, tensor<128xi32>, tensor<8xi32>, tensor<i32>) -> tensor<8x32xf32>
  return %h : tensor<8x32xf32>
}
