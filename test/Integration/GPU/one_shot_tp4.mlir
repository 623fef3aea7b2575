// The one-shot all_reduce + residual + RMSNorm entries of tp2_block.mlir at
// TP4: check_one_shot_tp4.py runs them as 4 ranks sharing GPU 0 (CUDA IPC
// works within a device; NCCL does not, so only the one-shot kernel can
// pass).
module attributes {moe.parallel = #moe.parallel<tp = 4>} {
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
