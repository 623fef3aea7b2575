// tp1_block.mlir (test/Integration/CPU) at TP2: each rank holds half of
// the attention output's partial sum and half of every expert's
// intermediate columns (gate and up rows of w1, columns of w2); run on two
// GPUs by check_tp.py, which compares both ranks' results with tp1_block's
// on the whole weights.
module attributes {moe.parallel = #moe.parallel<tp = 2>} {
  func.func @tp2_block(%attn_partial: tensor<?x64xbf16>, %residual: tensor<?x64xbf16>,
                       %post_attn_norm_w: tensor<64xbf16>, %next_input_norm_w: tensor<64xbf16>,
                       %router_w: tensor<64x8xbf16>, %w1: tensor<8x16x64xbf16>,
                       %w2: tensor<8x64x8xbf16>) -> (tensor<?x64xbf16>, tensor<?x64xbf16>) {
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
        : (tensor<?x64xbf16>, tensor<8x16x64xbf16>, tensor<8x64x8xbf16>, tensor<?x2xf32>, tensor<?x2xi32>) -> tensor<?x64xbf16>
    %moe_out = moe.all_reduce %moe_partial group "tp" : tensor<?x64xbf16>
    %h2 = arith.addf %moe_out, %h1 : tensor<?x64xbf16>
    %next = moe.rms_norm %h2, %next_input_norm_w eps 1.0e-06 offset 1.0 : tensor<?x64xbf16>, tensor<64xbf16>
    return %next, %h2 : tensor<?x64xbf16>, tensor<?x64xbf16>
  }

  // An f32 all_reduce alone (NCCL's f32 sum).
  func.func @sum_f32(%x: tensor<?x24xf32>) -> tensor<?x24xf32> {
    %s = moe.all_reduce %x group "tp" : tensor<?x24xf32>
    return %s : tensor<?x24xf32>
  }

  // all_gather and reduce_scatter along rows (the library's own order) and
  // along columns (a transpose around the call).
  func.func @gather_cols(%x: tensor<?x8xbf16>) -> tensor<?x16xbf16> {
    %g = moe.all_gather %x group "tp" dim 1 : tensor<?x8xbf16> -> tensor<?x16xbf16>
    return %g : tensor<?x16xbf16>
  }
  func.func @gather_rows(%x: tensor<3x8xf32>) -> tensor<6x8xf32> {
    %g = moe.all_gather %x group "tp" dim 0 : tensor<3x8xf32> -> tensor<6x8xf32>
    return %g : tensor<6x8xf32>
  }
  func.func @scatter_cols(%x: tensor<?x16xf32>) -> tensor<?x8xf32> {
    %r = moe.reduce_scatter %x group "tp" dim 1 : tensor<?x16xf32> -> tensor<?x8xf32>
    return %r : tensor<?x8xf32>
  }
  func.func @scatter_rows(%x: tensor<6x8xbf16>) -> tensor<3x8xbf16> {
    %r = moe.reduce_scatter %x group "tp" dim 0 : tensor<6x8xbf16> -> tensor<3x8xbf16>
    return %r : tensor<3x8xbf16>
  }

  // all_to_all (NCCL grouped send/recv): a ragged dispatch, and the
  // dispatch followed by the combine that sends every row back.
  func.func @dispatch(%x: tensor<?x8xbf16>, %send: tensor<2xi32>)
      -> (tensor<?x8xbf16>, tensor<2xi32>) {
    %rows, %recv = moe.all_to_all %x, %send group "tp"
        : tensor<?x8xbf16>, tensor<2xi32> -> tensor<?x8xbf16>, tensor<2xi32>
    return %rows, %recv : tensor<?x8xbf16>, tensor<2xi32>
  }
  func.func @round_trip(%x: tensor<?x8xf32>, %send: tensor<2xi32>)
      -> (tensor<?x8xf32>, tensor<2xi32>) {
    %rows, %recv = moe.all_to_all %x, %send group "tp"
        : tensor<?x8xf32>, tensor<2xi32> -> tensor<?x8xf32>, tensor<2xi32>
    %back, %sent = moe.all_to_all %rows, %recv group "tp"
        : tensor<?x8xf32>, tensor<2xi32> -> tensor<?x8xf32>, tensor<2xi32>
    return %back, %sent : tensor<?x8xf32>, tensor<2xi32>
  }

  // The fused all_reduce + residual + RMSNorm: one kernel over the ranks'
  // peer workspaces (moe-run --one-shot-mib, the default), or NCCL's
  // all_reduce and the norm kernel without them. 16-byte runs (H = 64
  // bf16, H = 24 f32) and single elements (H = 20 bf16).
  func.func @one_shot(%x: tensor<?x64xbf16>, %res: tensor<?x64xbf16>, %w: tensor<64xbf16>)
      -> (tensor<?x64xbf16>, tensor<?x64xbf16>) {
    %n, %r = moe.all_reduce_add_rms_norm %x, %res, %w group "tp" eps 1.0e-06 offset 1.0
        : tensor<?x64xbf16>, tensor<64xbf16>
    return %n, %r : tensor<?x64xbf16>, tensor<?x64xbf16>
  }
  func.func @one_shot_narrow(%x: tensor<?x20xbf16>, %res: tensor<?x20xbf16>, %w: tensor<20xbf16>)
      -> (tensor<?x20xbf16>, tensor<?x20xbf16>) {
    %n, %r = moe.all_reduce_add_rms_norm %x, %res, %w group "tp" eps 1.0e-05
        : tensor<?x20xbf16>, tensor<20xbf16>
    return %n, %r : tensor<?x20xbf16>, tensor<?x20xbf16>
  }
  func.func @one_shot_f32(%x: tensor<?x24xf32>, %res: tensor<?x24xf32>, %w: tensor<24xf32>)
      -> (tensor<?x24xf32>, tensor<?x24xf32>) {
    %n, %r = moe.all_reduce_add_rms_norm %x, %res, %w group "tp" eps 1.0e-06
        : tensor<?x24xf32>, tensor<24xf32>
    return %n, %r : tensor<?x24xf32>, tensor<?x24xf32>
  }

  // Three one-shot calls in one process: the full rows (epoch 1), all but
  // the last row (epoch 2, the other buffer) on the first call's
  // residual_out, the full rows again with x negated (the last row at
  // epoch 2, the others at 3, the first call's buffer): a read of the first
  // call's sum, left in that buffer, would show.
  func.func @one_shot_repeat(%x: tensor<?x64xbf16>, %res: tensor<?x64xbf16>, %w: tensor<64xbf16>)
      -> (tensor<?x64xbf16>, tensor<?x64xbf16>, tensor<?x64xbf16>, tensor<?x64xbf16>,
          tensor<?x64xbf16>, tensor<?x64xbf16>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n1, %r1 = moe.all_reduce_add_rms_norm %x, %res, %w group "tp" eps 1.0e-06 offset 1.0
        : tensor<?x64xbf16>, tensor<64xbf16>
    %t = tensor.dim %x, %c0 : tensor<?x64xbf16>
    %t1 = arith.subi %t, %c1 : index
    %x2 = tensor.extract_slice %x[0, 0] [%t1, 64] [1, 1] : tensor<?x64xbf16> to tensor<?x64xbf16>
    %res2 = tensor.extract_slice %r1[0, 0] [%t1, 64] [1, 1] : tensor<?x64xbf16> to tensor<?x64xbf16>
    %n2, %r2 = moe.all_reduce_add_rms_norm %x2, %res2, %w group "tp" eps 1.0e-06 offset 1.0
        : tensor<?x64xbf16>, tensor<64xbf16>
    %x3 = arith.negf %x : tensor<?x64xbf16>
    %n3, %r3 = moe.all_reduce_add_rms_norm %x3, %res, %w group "tp" eps 1.0e-06 offset 1.0
        : tensor<?x64xbf16>, tensor<64xbf16>
    return %n1, %r1, %n2, %r2, %n3, %r3 : tensor<?x64xbf16>, tensor<?x64xbf16>, tensor<?x64xbf16>,
        tensor<?x64xbf16>, tensor<?x64xbf16>, tensor<?x64xbf16>
  }
}
