module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @cast_needs_option(%a: tensor<4x64xbf16>, %res: tensor<4x64xf32>, %w: tensor<64xf32>) -> tensor<4x64xf32> {
    %r = moe.all_reduce %a group "tp" : tensor<4x64xbf16>
    %wide = arith.extf %r : tensor<4x64xbf16> to tensor<4x64xf32>
    %h = arith.addf %wide, %res : tensor<4x64xf32>
    %n = moe.rms_norm %h, %w eps 1.0e-06 : tensor<4x64xf32>, tensor<64xf32>
    return %n : tensor<4x64xf32>
  }
}
