module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @tp_decoder_block(%attn_partial: tensor<?x4096xbf16>,
                              %residual: tensor<?x4096xbf16>,
                              %post_attn_norm_w: tensor<4096xbf16>,
                              %next_input_norm_w: tensor<4096xbf16>,
                              %router_w: tensor<4096x128xbf16>,
                              %w1: tensor<128x768x4096xbf16>,
                              %w2: tensor<128x4096x384xbf16>)
      -> (tensor<?x4096xbf16>, tensor<?x4096xbf16>) {
    %c0 = arith.constant 0 : index
    %zero = arith.constant 0.0 : f32
    %attn = moe.all_reduce %attn_partial group "tp" : tensor<?x4096xbf16>
    %h1 = arith.addf %attn, %residual : tensor<?x4096xbf16>
    %n1 = moe.rms_norm %h1, %post_attn_norm_w eps 1.0e-06 offset 1.0
        : tensor<?x4096xbf16>, tensor<4096xbf16>

    %tokens = tensor.dim %n1, %c0 : tensor<?x4096xbf16>
    %init = tensor.empty(%tokens) : tensor<?x128xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<?x128xf32>) -> tensor<?x128xf32>
    %logits = linalg.matmul ins(%n1, %router_w : tensor<?x4096xbf16>, tensor<4096x128xbf16>)
                            outs(%acc : tensor<?x128xf32>) -> tensor<?x128xf32>
    %weights, %ids = moe.gate %logits top_k 8 softmax renormalize
        : tensor<?x128xf32> -> tensor<?x8xf32>, tensor<?x8xi32>
    %moe_partial = moe.experts %n1, %w1, %w2, %weights, %ids activation <silu_mul>
        : (tensor<?x4096xbf16>, tensor<128x768x4096xbf16>, tensor<128x4096x384xbf16>,
           tensor<?x8xf32>, tensor<?x8xi32>) -> tensor<?x4096xbf16>

    %moe_out = moe.all_reduce %moe_partial group "tp" : tensor<?x4096xbf16>
    %h2 = arith.addf %moe_out, %h1 : tensor<?x4096xbf16>
    %next = moe.rms_norm %h2, %next_input_norm_w eps 1.0e-06 offset 1.0
        : tensor<?x4096xbf16>, tensor<4096xbf16>
    return %next, %h2 : tensor<?x4096xbf16>, tensor<?x4096xbf16>
  }
}
