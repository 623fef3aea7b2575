module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @fuse_into_rms_norm(%partial: tensor<?x64xbf16>, %res: tensor<?x64xbf16>, %w: tensor<64xbf16>)
      -> (tensor<?x64xbf16>, tensor<?x64xbf16>) {
    %r = moe.all_reduce %partial group "tp" : tensor<?x64xbf16>
    %h = arith.addf %r, %res : tensor<?x64xbf16>
    %n = moe.rms_norm %h, %w eps 1.0e-06 offset 1.0 : tensor<?x64xbf16>, tensor<64xbf16>
    return %n, %h : tensor<?x64xbf16>, tensor<?x64xbf16>
  }
}
