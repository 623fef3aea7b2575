func.func @qwen3_30b_moe_layer(%h: tensor<?x2048xbf16>, %router_w: tensor<2048x128xbf16>,
                               %w1: tensor<128x1536x2048xbf16>,
                               %w2: tensor<128x2048x768xbf16>) -> tensor<?x2048xbf16> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %tokens = tensor.dim %h, %c0 : tensor<?x2048xbf16>
  %init = tensor.empty(%tokens) : tensor<?x128xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<?x128xf32>) -> tensor<?x128xf32>
  %logits = linalg.matmul ins(%h, %router_w : tensor<?x2048xbf16>, tensor<2048x128xbf16>)
                          outs(%acc : tensor<?x128xf32>) -> tensor<?x128xf32>
  %weights, %ids = moe.gate %logits top_k 8 softmax renormalize
      : tensor<?x128xf32> -> tensor<?x8xf32>, tensor<?x8xi32>
  %y = moe.experts %h, %w1, %w2, %weights, %ids activation <silu_mul>
      : (tensor<?x2048xbf16>, tensor<128x1536x2048xbf16>, tensor<128x2048x768xbf16>,
         tensor<?x8xf32>, tensor<?x8xi32>) -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}
