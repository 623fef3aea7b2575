module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @negative_scale_not_replicated(%a: tensor<4x64xbf16>, %c: tensor<4x64xbf16>) -> tensor<4x64xbf16> {
    %r = moe.all_reduce %a group "tp" : tensor<4x64xbf16>
    %m = arith.mulf %r, %c : tensor<4x64xbf16>
    return %m : tensor<4x64xbf16>
  }
}
