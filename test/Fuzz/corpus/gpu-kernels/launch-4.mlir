module attributes {moe.parallel = #moe.parallel<tp = 4, ep = 2>} {
  func.func @four_ranks(%x: tensor<4x16xbf16>) -> tensor<4x16xbf16> {
    %r = moe.all_reduce %x group "tp" : tensor<4x16xbf16>
    return %r : tensor<4x16xbf16>
  }
  func.func @two_ranks(%x: tensor<?x8xbf16>, %res: tensor<?x8xbf16>,
                       %w: tensor<8xbf16>) -> (tensor<?x8xbf16>, tensor<?x8xbf16>) {
    %n, %r = moe.all_reduce_add_rms_norm %x, %res, %w group "ep" eps 1.0e-06
        : tensor<?x8xbf16>, tensor<8xbf16>
    return %n, %r : tensor<?x8xbf16>, tensor<?x8xbf16>
  }
}
