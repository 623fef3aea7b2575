// A narrow decode tile: block_n = 16 is 2 column tiles of m16n8k16, so 2
// warps take them and the other 2 split K (partial sums meet in LDS).
func.func @sliced(%x: tensor<1x512xbf16>, %w: tensor<8x16x512xbf16>, %s: tensor<128xi32>,
                  %b: tensor<8xi32>, %c: tensor<i32>) -> tensor<4x16xbf16> {
  %h = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 4 block_m 16
      tile <block_m = 16, block_n = 16>
      : (tensor<1x512xbf16>, tensor<8x16x512xbf16>, tensor<128xi32>, tensor<8xi32>, tensor<i32>) -> tensor<4x16xbf16>
  return %h : tensor<4x16xbf16>
}
