module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @sink_through_scale_and_reshape(%a: tensor<4x8x8xbf16>, %res: tensor<4x64xbf16>, %w: tensor<64xbf16>) -> tensor<4x64xbf16> {
    %c = arith.constant dense<0.5> : tensor<4x8x8xbf16>
    %r = moe.all_reduce %a group "tp" : tensor<4x8x8xbf16>
    %m = arith.mulf %r, %c : tensor<4x8x8xbf16>
    %flat = tensor.collapse_shape %m [[0], [1, 2]] : tensor<4x8x8xbf16> into tensor<4x64xbf16>
    %h = arith.addf %flat, %res : tensor<4x64xbf16>
    %n = moe.rms_norm %h, %w eps 1.0e-06 : tensor<4x64xbf16>, tensor<64xbf16>
    return %n : tensor<4x64xbf16>
  }
}
