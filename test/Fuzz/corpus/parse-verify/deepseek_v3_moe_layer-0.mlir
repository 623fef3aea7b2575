func.func @deepseek_v3_moe_layer(%h: tensor<?x7168xbf16>,
                                 %router_w: tensor<7168x256xbf16>,
                                 %bias: tensor<256xf32>,
                                 %w1: tensor<256x4096x7168xbf16>,
                                 %w2: tensor<256x7168x2048xbf16>,
                                 %shared_w1: tensor<7168x4096xbf16>,
                                 %shared_w2: tensor<2048x7168xbf16>) -> tensor<?x7168xbf16> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %tokens = tensor.dim %h, %c0 : tensor<?x7168xbf16>

  %logits_init = tensor.empty(%tokens) : tensor<?x256xf32>
  %logits_acc = linalg.fill ins(%zero : f32) outs(%logits_init : tensor<?x256xf32>) -> tensor<?x256xf32>
  %logits = linalg.matmul ins(%h, %router_w : tensor<?x7168xbf16>, tensor<7168x256xbf16>)
                          outs(%logits_acc : tensor<?x256xf32>) -> tensor<?x256xf32>
  %weights, %ids = moe.gate %logits bias %bias top_k 8 sigmoid renormalize
      groups 8 keep 4 scaling 2.5
      : tensor<?x256xf32>, tensor<256xf32> -> tensor<?x8xf32>, tensor<?x8xi32>
  %routed = moe.experts %h, %w1, %w2, %weights, %ids activation <silu_mul>
      : (tensor<?x7168xbf16>, tensor<256x4096x7168xbf16>, tensor<256x7168x2048xbf16>,
         tensor<?x8xf32>, tensor<?x8xi32>) -> tensor<?x7168xbf16>

  %gu_init = tensor.empty(%tokens) : tensor<?x4096xf32>
  %gu_acc = linalg.fill ins(%zero : f32) outs(%gu_init : tensor<?x4096xf32>) -> tensor<?x4096xf32>
  %gate_up_f32 = linalg.matmul ins(%h, %shared_w1 : tensor<?x7168xbf16>, tensor<7168x4096xbf16>)
                               outs(%gu_acc : tensor<?x4096xf32>) -> tensor<?x4096xf32>
  %gate_up = arith.truncf %gate_up_f32 : tensor<?x4096xf32> to tensor<?x4096xbf16>
  %act = moe.activation %gate_up <silu_mul> : tensor<?x4096xbf16> -> tensor<?x2048xbf16>
  %down_init = tensor.empty(%tokens) : tensor<?x7168xf32>
  %down_acc = linalg.fill ins(%zero : f32) outs(%down_init : tensor<?x7168xf32>) -> tensor<?x7168xf32>
  %shared_f32 = linalg.matmul ins(%act, %shared_w2 : tensor<?x2048xbf16>, tensor<2048x7168xbf16>)
                              outs(%down_acc : tensor<?x7168xf32>) -> tensor<?x7168xf32>
  %shared = arith.truncf %shared_f32 : tensor<?x7168xf32> to tensor<?x7168xbf16>

  %out = arith.addf %routed, %shared : tensor<?x7168xbf16>
  return %out : tensor<?x7168xbf16>
}
