func.func @gpt_oss_moe_layer(%x: tensor<?x2880xbf16>, %norm_w: tensor<2880xbf16>,
                             %router_w: tensor<2880x128xbf16>,
                             %w1: tensor<128x5760x2880xbf16>,
                             %w2: tensor<128x2880x2880xbf16>) -> tensor<?x2880xbf16> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %h = moe.rms_norm %x, %norm_w eps 1.0e-05 : tensor<?x2880xbf16>, tensor<2880xbf16>
  %tokens = tensor.dim %h, %c0 : tensor<?x2880xbf16>
  %init = tensor.empty(%tokens) : tensor<?x128xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<?x128xf32>) -> tensor<?x128xf32>
  %logits = linalg.matmul ins(%h, %router_w : tensor<?x2880xbf16>, tensor<2880x128xbf16>)
                          outs(%acc : tensor<?x128xf32>) -> tensor<?x128xf32>
  %weights, %ids = moe.gate %logits top_k 4 softmax renormalize
      : tensor<?x128xf32> -> tensor<?x4xf32>, tensor<?x4xi32>
  %y = moe.experts %h, %w1, %w2, %weights, %ids
      activation <swiglu_oai, layout = interleaved, alpha = 1.702, beta = 1.0, limit = 7.0>
      : (tensor<?x2880xbf16>, tensor<128x5760x2880xbf16>, tensor<128x2880x2880xbf16>,
         tensor<?x4xf32>, tensor<?x4xi32>) -> tensor<?x2880xbf16>
  %out = arith.addf %x, %y : tensor<?x2880xbf16>
  return %out : tensor<?x2880xbf16>
}
