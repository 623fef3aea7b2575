module attributes {moe.parallel = #moe.parallel<tp = 1, ep = 1>} {
  func.func @silu_split(%x: tensor<?x64xbf16>) -> tensor<?x32xbf16> {
    %y = moe.activation %x <silu_mul> : tensor<?x64xbf16> -> tensor<?x32xbf16>
    return %y : tensor<?x32xbf16>
  }
  func.func @gelu_interleaved(%x: tensor<2x3x16xf32>) -> tensor<2x3x8xf32> {
    %y = moe.activation %x <gelu_mul, layout = interleaved> : tensor<2x3x16xf32> -> tensor<2x3x8xf32>
    return %y : tensor<2x3x8xf32>
  }
  func.func @swiglu_split(%x: tensor<7x20xf16>) -> tensor<7x10xf16> {
    %y = moe.activation %x <swiglu_oai, alpha = 1.5, beta = 0.5, limit = 2.0> : tensor<7x20xf16> -> tensor<7x10xf16>
    return %y : tensor<7x10xf16>
  }
  func.func @combine(%r: tensor<?x32xbf16>, %s: tensor<?x4xf32>) -> tensor<?x32xbf16> {
    %y = moe.combine %r, %s : tensor<?x32xbf16>, tensor<?x4xf32> -> tensor<?x32xbf16>
    return %y : tensor<?x32xbf16>
  }
  func.func @combine_local(%r: tensor<?x32xbf16>, %s: tensor<?x4xf32>, %ids: tensor<?x4xi32>) -> tensor<?x32xbf16> {
    %begin = arith.constant 2 : index
    %y = moe.combine %r, %s ids %ids experts 3 range %begin : tensor<?x32xbf16>, tensor<?x4xf32>, tensor<?x4xi32> -> tensor<?x32xbf16>
    return %y : tensor<?x32xbf16>
  }
  func.func @rms_norm_gemma(%x: tensor<?x64xbf16>, %w: tensor<64xbf16>) -> tensor<?x64xbf16> {
    %y = moe.rms_norm %x, %w eps 1.0e-06 offset 1.0 : tensor<?x64xbf16>, tensor<64xbf16>
    return %y : tensor<?x64xbf16>
  }
  func.func @rms_norm_rank3(%x: tensor<2x3x16xf32>, %w: tensor<16xf32>) -> tensor<2x3x16xf32> {
    %y = moe.rms_norm %x, %w eps 1.0e-05 : tensor<2x3x16xf32>, tensor<16xf32>
    return %y : tensor<2x3x16xf32>
  }
  func.func @add_rms_norm(%x: tensor<5x64xbf16>, %r: tensor<5x64xbf16>, %w: tensor<64xbf16>) -> (tensor<5x64xbf16>, tensor<5x64xbf16>) {
    %n, %s = moe.add_rms_norm %x, %r, %w eps 1.0e-06 : tensor<5x64xbf16>, tensor<64xbf16>
    return %n, %s : tensor<5x64xbf16>, tensor<5x64xbf16>
  }
  func.func @fused_single_rank(%x: tensor<5x64xbf16>, %r: tensor<5x64xbf16>, %w: tensor<64xbf16>) -> (tensor<5x64xbf16>, tensor<5x64xbf16>) {
    %n, %s = moe.all_reduce_add_rms_norm %x, %r, %w group "tp" eps 1.0e-06 offset 1.0 : tensor<5x64xbf16>, tensor<64xbf16>
    return %n, %s : tensor<5x64xbf16>, tensor<5x64xbf16>
  }
  func.func @collectives_single_rank(%x: tensor<4x8xf32>, %c: tensor<1xi32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<1xi32>) {
    %a = moe.all_reduce %x group "tp" : tensor<4x8xf32>
    %g = moe.all_gather %a group "tp" dim 1 : tensor<4x8xf32> -> tensor<4x8xf32>
    %s = moe.reduce_scatter %g group "tp" dim 0 : tensor<4x8xf32> -> tensor<4x8xf32>
    %t, %n = moe.all_to_all %s, %c group "ep" : tensor<4x8xf32>, tensor<1xi32> -> tensor<4x8xf32>, tensor<1xi32>
    return %a, %g, %s, %t, %n : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<1xi32>
  }
}
