func.func @mixtral_moe_layer(%h: tensor<?x4096xbf16>, %router_w: tensor<4096x8xbf16>,
                             %w1: tensor<8x28672x4096xbf16>,
                             %w2: tensor<8x4096x14336xbf16>) -> tensor<?x4096xbf16> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %tokens = tensor.dim %h, %c0 : tensor<?x4096xbf16>
  %init = tensor.empty(%tokens) : tensor<?x8xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<?x8xf32>) -> tensor<?x8xf32>
  %logits = linalg.matmul ins(%h, %router_w : tensor<?x4096xbf16>, tensor<4096x8xbf16>)
                          outs(%acc : tensor<?x8xf32>) -> tensor<?x8xf32>
  %weights, %ids = moe.gate %logits top_k 2 softmax renormalize
      : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  %y = moe.experts %h, %w1, %w2, %weights, %ids activation <silu_mul>
      : (tensor<?x4096xbf16>, tensor<8x28672x4096xbf16>, tensor<8x4096x14336xbf16>,
         tensor<?x2xf32>, tensor<?x2xi32>) -> tensor<?x4096xbf16>
  return %y : tensor<?x4096xbf16>
}
