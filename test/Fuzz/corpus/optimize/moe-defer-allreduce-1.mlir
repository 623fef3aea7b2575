module attributes {moe.parallel = #moe.parallel<tp = 2>} {
  func.func @fuse_residual_first_and_add_rms_norm(%a: tensor<8x64xf32>, %b: tensor<8x64xf32>, %res: tensor<8x64xf32>, %w: tensor<64xf32>)
      -> (tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>) {
    %ra = moe.all_reduce %a group "tp" : tensor<8x64xf32>
    %h = arith.addf %res, %ra : tensor<8x64xf32>
    %n1 = moe.rms_norm %h, %w eps 1.0e-06 : tensor<8x64xf32>, tensor<64xf32>
    %rb = moe.all_reduce %b group "tp" : tensor<8x64xf32>
    %n2, %s2 = moe.add_rms_norm %rb, %h, %w eps 1.0e-05 : tensor<8x64xf32>, tensor<64xf32>
    return %n1, %n2, %s2 : tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>
  }
}
