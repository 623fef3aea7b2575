module attributes {moe.parallel = #moe.parallel<tp = 4, ep = 8>} {
  func.func @collectives(%x: tensor<?x4096xbf16>, %part: tensor<16x1024xf32>,
                         %rows: tensor<?x7168xbf16>, %send: tensor<8xi32>,
                         %res: tensor<?x4096xbf16>, %w: tensor<4096xbf16>) {
    %s = moe.all_reduce %x group "tp" : tensor<?x4096xbf16>
    %g = moe.all_gather %part group "tp" dim 1 : tensor<16x1024xf32> -> tensor<16x4096xf32>
    %r = moe.reduce_scatter %x group "tp" dim 1 : tensor<?x4096xbf16> -> tensor<?x1024xbf16>
    %a, %c = moe.all_to_all %rows, %send group "ep"
        : tensor<?x7168xbf16>, tensor<8xi32> -> tensor<?x7168xbf16>, tensor<8xi32>
    %n, %o = moe.all_reduce_add_rms_norm %x, %res, %w group "tp" eps 1.0e-06 offset 1.0
        : tensor<?x4096xbf16>, tensor<4096xbf16>
    return
  }
}
