module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @sink_through_add(%a: tensor<4x64xbf16>, %b: tensor<4x64xbf16>, %res: tensor<4x64xbf16>, %w: tensor<64xbf16>) -> tensor<4x64xbf16> {
    %ra = moe.all_reduce %a group "tp" : tensor<4x64xbf16>
    %rb = moe.all_reduce %b group "tp" : tensor<4x64xbf16>
    %s = arith.addf %ra, %rb : tensor<4x64xbf16>
    %h = arith.addf %s, %res : tensor<4x64xbf16>
    %n = moe.rms_norm %h, %w eps 1.0e-06 : tensor<4x64xbf16>, tensor<64xbf16>
    return %n : tensor<4x64xbf16>
  }
}
