func.func @combined(%h: tensor<?x32xbf16>, %w2: tensor<8x64x32xbf16>, %ids: tensor<?x2xi32>,
                    %rw: tensor<?x2xf32>) -> tensor<?x64xbf16> {
  %s, %b, %c = moe.align %ids experts 87777777777777777 block_m 16 : tensor<?x2xi32> -> tensor<?xi32>, tensor<?xi32>, tensor<i32>
  %o = moe.grouped_matmul %h, %w2, %s, %b, %c rows tokens top_k 4 block_m 16
      : (tensor<?x32xbf16>, tensor<8x64x32xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x64xbf16>
  %y = moe.combine %o, %rw ids %ids experts 8 : tensor<?x64xbf16>, tensor<?x2xf32>, tensor<?x2xi32> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}
