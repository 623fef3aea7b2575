module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @negative_norm_over_other_axis(%partial: tensor<4x64xf32>, %res: tensor<4x64xf32>, %w: tensor<4xf32>) -> tensor<64x4xf32> {
    %r = moe.all_reduce %partial group "tp" : tensor<4x64xf32>
    %h = arith.addf %r, %res : tensor<4x64xf32>
    %init = tensor.empty() : tensor<64x4xf32>
    %t = linalg.transpose ins(%h : tensor<4x64xf32>) outs(%init : tensor<64x4xf32>) permutation = [1, 0]
    %n = moe.rms_norm %t, %w eps 1.0e-06 : tensor<64x4xf32>, tensor<4xf32>
    return %n : tensor<64x4xf32>
  }
}
