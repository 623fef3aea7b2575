module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @negative_reduced_value_has_other_user(%partial: tensor<4x64xbf16>, %res: tensor<4x64xbf16>, %w: tensor<64xbf16>)
      -> (tensor<4x64xbf16>, tensor<4x64xbf16>) {
    %r = moe.all_reduce %partial group "tp" : tensor<4x64xbf16>
    %h = arith.addf %r, %res : tensor<4x64xbf16>
    %n = moe.rms_norm %h, %w eps 1.0e-06 : tensor<4x64xbf16>, tensor<64xbf16>
    return %n, %r : tensor<4x64xbf16>, tensor<4x64xbf16>
  }
}
