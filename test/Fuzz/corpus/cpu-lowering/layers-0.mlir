func.func @gpt_oss_like(%x: tensor<?x64xbf16>, %norm_w: tensor<64xbf16>,
                        %router_w: tensor<64x16xbf16>, %w1: tensor<16x64x64xbf16>,
                        %w2: tensor<16x64x32xbf16>) -> tensor<?x64xbf16> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %h = moe.rms_norm %x, %norm_w eps 1.0e-05 : tensor<?x64xbf16>, tensor<64xbf16>
  %tokens = tensor.dim %h, %c0 : tensor<?x64xbf16>
  %init = tensor.empty(%tokens) : tensor<?x16xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<?x16xf32>) -> tensor<?x16xf32>
  %logits = linalg.matmul ins(%h, %router_w : tensor<?x64xbf16>, tensor<64x16xbf16>)
                          outs(%acc : tensor<?x16xf32>) -> tensor<?x16xf32>
  %weights, %ids = moe.gate %logits top_k 4 softmax renormalize
      : tensor<?x16xf32> -> tensor<?x4xf32>, tensor<?x4xi32>
  %y = moe.experts %h, %w1, %w2, %weights, %ids
      activation <swiglu_oai, layout = interleaved, alpha = 1.702, beta = 1.0, limit = 7.0>
      : (tensor<?x64xbf16>, tensor<16x64x64xbf16>, tensor<16x64x32xbf16>,
         tensor<?x4xf32>, tensor<?x4xi32>) -> tensor<?x64xbf16>
  %out = arith.addf %x, %y : tensor<?x64xbf16>
  return %out : tensor<?x64xbf16>
}

func.func @deepseek_like(%h: tensor<?x64xbf16>, %router_w: tensor<64x16xbf16>,
                         %bias: tensor<16xf32>, %w1: tensor<16x32x64xbf16>,
                         %w2: tensor<16x64x16xbf16>, %shared_w1: tensor<64x32xbf16>,
                         %shared_w2: tensor<16x64xbf16>) -> tensor<?x64xbf16> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %tokens = tensor.dim %h, %c0 : tensor<?x64xbf16>
  %logits_init = tensor.empty(%tokens) : tensor<?x16xf32>
  %logits_acc = linalg.fill ins(%zero : f32) outs(%logits_init : tensor<?x16xf32>) -> tensor<?x16xf32>
  %logits = linalg.matmul ins(%h, %router_w : tensor<?x64xbf16>, tensor<64x16xbf16>)
                          outs(%logits_acc : tensor<?x16xf32>) -> tensor<?x16xf32>
  %weights, %ids = moe.gate %logits bias %bias top_k 4 sigmoid renormalize
      groups 4 keep 2 scaling 2.5
      : tensor<?x16xf32>, tensor<16xf32> -> tensor<?x4xf32>, tensor<?x4xi32>
  %routed = moe.experts %h, %w1, %w2, %weights, %ids activation <silu_mul>
      : (tensor<?x64xbf16>, tensor<16x32x64xbf16>, tensor<16x64x16xbf16>,
         tensor<?x4xf32>, tensor<?x4xi32>) -> tensor<?x64xbf16>
  %gu_init = tensor.empty(%tokens) : tensor<?x32xf32>
  %gu_acc = linalg.fill ins(%zero : f32) outs(%gu_init : tensor<?x32xf32>) -> tensor<?x32xf32>
  %gate_up_f32 = linalg.matmul ins(%h, %shared_w1 : tensor<?x64xbf16>, tensor<64x32xbf16>)
                               outs(%gu_acc : tensor<?x32xf32>) -> tensor<?x32xf32>
  %gate_up = arith.truncf %gate_up_f32 : tensor<?x32xf32> to tensor<?x32xbf16>
  %act = moe.activation %gate_up <silu_mul> : tensor<?x32xbf16> -> tensor<?x16xbf16>
  %down_init = tensor.empty(%tokens) : tensor<?x64xf32>
  %down_acc = linalg.fill ins(%zero : f32) outs(%down_init : tensor<?x64xf32>) -> tensor<?x64xf32>
  %shared_f32 = linalg.matmul ins(%act, %shared_w2 : tensor<?x16xbf16>, tensor<16x64xbf16>)
                              outs(%down_acc : tensor<?x64xf32>) -> tensor<?x64xf32>
  %shared = arith.truncf %shared_f32 : tensor<?x64xf32> to tensor<?x64xbf16>
  %out = arith.addf %routed, %shared : tensor<?x64xbf16>
  return %out : tensor<?x64xbf16>
}

func.func @mixtral_like(%h: tensor<?x32xbf16>, %router_w: tensor<32x8xbf16>,
                        %w1: tensor<8x96x32xbf16>, %w2: tensor<8x32x48xbf16>) -> tensor<?x32xbf16> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %tokens = tensor.dim %h, %c0 : tensor<?x32xbf16>
  %init = tensor.empty(%tokens) : tensor<?x8xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<?x8xf32>) -> tensor<?x8xf32>
  %logits = linalg.matmul ins(%h, %router_w : tensor<?x32xbf16>, tensor<32x8xbf16>)
                          outs(%acc : tensor<?x8xf32>) -> tensor<?x8xf32>
  %weights, %ids = moe.gate %logits top_k 2 softmax renormalize
      : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  %y = moe.experts %h, %w1, %w2, %weights, %ids activation <silu_mul>
      : (tensor<?x32xbf16>, tensor<8x96x32xbf16>, tensor<8x32x48xbf16>,
         tensor<?x2xf32>, tensor<?x2xi32>) -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}
