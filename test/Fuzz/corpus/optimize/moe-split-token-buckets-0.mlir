func.func @layer(%h: tensor<?x64xbf16>, %norm: tensor<64xbf16>, %w1: tensor<8x256x64xbf16>,
                 %w2: tensor<8x64x128xbf16>, %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>) -> tensor<?x64xbf16> {
  %x = moe.rms_norm %h, %norm eps 1.0e-06 offset 0.0 : tensor<?x64xbf16>, tensor<64xbf16>
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      : (tensor<?x64xbf16>, tensor<8x256x64xbf16>, tensor<8x64x128xbf16>, tensor<?x2xf32>, tensor<?x2xi32>) -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}
