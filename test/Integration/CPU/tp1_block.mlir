// A tensor-parallel decoder block (as examples/tp_decoder_block.mlir, at
// reduced sizes) with a TP group of one rank, so it runs on the CPU: used by
// the equivalence test of --moe-defer-allreduce.
module attributes {moe.parallel = #moe.parallel<tp = 1>} {
  func.func @tp1_block(%attn_partial: tensor<?x64xbf16>, %residual: tensor<?x64xbf16>,
                       %post_attn_norm_w: tensor<64xbf16>, %next_input_norm_w: tensor<64xbf16>,
                       %router_w: tensor<64x8xbf16>, %w1: tensor<8x32x64xbf16>,
                       %w2: tensor<8x64x16xbf16>) -> (tensor<?x64xbf16>, tensor<?x64xbf16>) {
    %c0 = arith.constant 0 : index
    %zero = arith.constant 0.0 : f32
    %attn = moe.all_reduce %attn_partial group "tp" : tensor<?x64xbf16>
    %h1 = arith.addf %attn, %residual : tensor<?x64xbf16>
    %n1 = moe.rms_norm %h1, %post_attn_norm_w eps 1.0e-06 offset 1.0 : tensor<?x64xbf16>, tensor<64xbf16>
    %tokens = tensor.dim %n1, %c0 : tensor<?x64xbf16>
    %init = tensor.empty(%tokens) : tensor<?x8xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<?x8xf32>) -> tensor<?x8xf32>
    %logits = linalg.matmul ins(%n1, %router_w : tensor<?x64xbf16>, tensor<64x8xbf16>)
                            outs(%acc : tensor<?x8xf32>) -> tensor<?x8xf32>
    %weights, %ids = moe.gate %logits top_k 2 softmax renormalize : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
    %moe_partial = moe.experts %n1, %w1, %w2, %weights, %ids activation <silu_mul>
        : (tensor<?x64xbf16>, tensor<8x32x64xbf16>, tensor<8x64x16xbf16>, tensor<?x2xf32>, tensor<?x2xi32>) -> tensor<?x64xbf16>
    %moe_out = moe.all_reduce %moe_partial group "tp" : tensor<?x64xbf16>
    %h2 = arith.addf %moe_out, %h1 : tensor<?x64xbf16>
    %next = moe.rms_norm %h2, %next_input_norm_w eps 1.0e-06 offset 1.0 : tensor<?x64xbf16>, tensor<64xbf16>
    return %next, %h2 : tensor<?x64xbf16>, tensor<?x64xbf16>
  }
}
