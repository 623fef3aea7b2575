module attributes {moe.parallel = #moe.parallel<tp = 4, ep = 2>} {
  func.func @negative_groups_differ(%a: tensor<4x64xbf16>, %b: tensor<4x64xbf16>) -> tensor<4x64xbf16> {
    %ra = moe.all_reduce %a group "tp" : tensor<4x64xbf16>
    %rb = moe.all_reduce %b group "ep" : tensor<4x64xbf16>
    %s = arith.addf %ra, %rb : tensor<4x64xbf16>
    return %s : tensor<4x64xbf16>
  }
}
