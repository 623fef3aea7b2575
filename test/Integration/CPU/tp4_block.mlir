// tp1_block.mlir at TP4 (examples/tp_decoder_block.mlir's pattern at
// reduced sizes): each rank holds a quarter of the attention output's
// partial sum and a quarter of every expert's intermediate columns (gate
// and up rows of w1, columns of w2). check_mpi.py runs it on 4 MPI ranks
// and compares every rank's results with tp1_block's on the whole weights;
// the other entries check each collective over 4 ranks against numpy.
module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @tp4_block(%attn_partial: tensor<?x64xbf16>, %residual: tensor<?x64xbf16>,
                       %post_attn_norm_w: tensor<64xbf16>, %next_input_norm_w: tensor<64xbf16>,
                       %router_w: tensor<64x8xbf16>, %w1: tensor<8x8x64xbf16>,
                       %w2: tensor<8x64x4xbf16>) -> (tensor<?x64xbf16>, tensor<?x64xbf16>) {
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
        : (tensor<?x64xbf16>, tensor<8x8x64xbf16>, tensor<8x64x4xbf16>, tensor<?x2xf32>, tensor<?x2xi32>) -> tensor<?x64xbf16>
    %moe_out = moe.all_reduce %moe_partial group "tp" : tensor<?x64xbf16>
    %h2 = arith.addf %moe_out, %h1 : tensor<?x64xbf16>
    %next = moe.rms_norm %h2, %next_input_norm_w eps 1.0e-06 offset 1.0 : tensor<?x64xbf16>, tensor<64xbf16>
    return %next, %h2 : tensor<?x64xbf16>, tensor<?x64xbf16>
  }

  // all_reduce in f32, and in bf16 (widened to f32 over 4 ranks, rounded
  // once).
  func.func @sum_f32(%x: tensor<?x24xf32>) -> tensor<?x24xf32> {
    %s = moe.all_reduce %x group "tp" : tensor<?x24xf32>
    return %s : tensor<?x24xf32>
  }
  func.func @sum_bf16(%x: tensor<?x24xbf16>) -> tensor<?x24xbf16> {
    %s = moe.all_reduce %x group "tp" : tensor<?x24xbf16>
    return %s : tensor<?x24xbf16>
  }

  // The fused op by itself (Gemma offset 1.0).
  func.func @sum_add_norm(%x: tensor<?x32xbf16>, %residual: tensor<?x32xbf16>,
                          %w: tensor<32xbf16>) -> (tensor<?x32xbf16>, tensor<?x32xbf16>) {
    %n, %r = moe.all_reduce_add_rms_norm %x, %residual, %w group "tp" eps 1.0e-06
        offset 1.0 : tensor<?x32xbf16>, tensor<32xbf16>
    return %n, %r : tensor<?x32xbf16>, tensor<?x32xbf16>
  }

  // all_gather and reduce_scatter along rows and along columns.
  func.func @gather_cols(%x: tensor<?x8xbf16>) -> tensor<?x32xbf16> {
    %g = moe.all_gather %x group "tp" dim 1 : tensor<?x8xbf16> -> tensor<?x32xbf16>
    return %g : tensor<?x32xbf16>
  }
  func.func @gather_rows(%x: tensor<3x8xf32>) -> tensor<12x8xf32> {
    %g = moe.all_gather %x group "tp" dim 0 : tensor<3x8xf32> -> tensor<12x8xf32>
    return %g : tensor<12x8xf32>
  }
  func.func @scatter_cols(%x: tensor<?x16xf32>) -> tensor<?x4xf32> {
    %r = moe.reduce_scatter %x group "tp" dim 1 : tensor<?x16xf32> -> tensor<?x4xf32>
    return %r : tensor<?x4xf32>
  }
  // Dynamic rows: their count must be a multiple of the ranks (run-time).
  func.func @scatter_rows_dynamic(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
    %r = moe.reduce_scatter %x group "tp" dim 0 : tensor<?x8xf32> -> tensor<?x8xf32>
    return %r : tensor<?x8xf32>
  }
  func.func @scatter_rows(%x: tensor<12x8xbf16>) -> tensor<3x8xbf16> {
    %r = moe.reduce_scatter %x group "tp" dim 0 : tensor<12x8xbf16> -> tensor<3x8xbf16>
    return %r : tensor<3x8xbf16>
  }

  // all_to_all: a dispatch (rows by destination rank), and the dispatch
  // followed by the combine that sends every row back.
  func.func @dispatch(%x: tensor<?x8xbf16>, %send: tensor<4xi32>)
      -> (tensor<?x8xbf16>, tensor<4xi32>) {
    %rows, %recv = moe.all_to_all %x, %send group "tp"
        : tensor<?x8xbf16>, tensor<4xi32> -> tensor<?x8xbf16>, tensor<4xi32>
    return %rows, %recv : tensor<?x8xbf16>, tensor<4xi32>
  }
  func.func @dispatch_capacity(%x: tensor<?x6xf32>, %send: tensor<4xi32>)
      -> (tensor<40x6xf32>, tensor<4xi32>) {
    %rows, %recv = moe.all_to_all %x, %send group "tp"
        : tensor<?x6xf32>, tensor<4xi32> -> tensor<40x6xf32>, tensor<4xi32>
    return %rows, %recv : tensor<40x6xf32>, tensor<4xi32>
  }
  func.func @round_trip(%x: tensor<?x8xbf16>, %send: tensor<4xi32>)
      -> (tensor<?x8xbf16>, tensor<4xi32>) {
    %rows, %recv = moe.all_to_all %x, %send group "tp"
        : tensor<?x8xbf16>, tensor<4xi32> -> tensor<?x8xbf16>, tensor<4xi32>
    %back, %sent = moe.all_to_all %rows, %recv group "tp"
        : tensor<?x8xbf16>, tensor<4xi32> -> tensor<?x8xbf16>, tensor<4xi32>
    return %back, %sent : tensor<?x8xbf16>, tensor<4xi32>
  }
}
