func.func @silu(%x: tensor<?x32xbf16>, %w1: tensor<8x48x32xbf16>, %w2: tensor<8x32x24xbf16>,
                %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>) -> tensor<?x32xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      : (tensor<?x32xbf16>, tensor<8x48x32xbf16>, tensor<8x32x24xbf16>, tensor<?x2xf32>, tensor<?x2xi32>) -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

func.func @swiglu_oai(%x: tensor<6x32xbf16>, %w1: tensor<4x32x32xbf16>, %w2: tensor<4x32x16xbf16>,
                      %w: tensor<6x4xf32>, %ids: tensor<6x4xi32>) -> tensor<6x32xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <swiglu_oai, layout = interleaved, alpha = 1.702, beta = 1.0, limit = 7.0>
      : (tensor<6x32xbf16>, tensor<4x32x32xbf16>, tensor<4x32x16xbf16>, tensor<6x4xf32>, tensor<6x4xi32>) -> tensor<6x32xbf16>
  return %y : tensor<6x32xbf16>
}

func.func @gelu_f16(%x: tensor<3x16xf16>, %w1: tensor<4x16x16xf16>, %w2: tensor<4x16x8xf16>,
                    %w: tensor<3x2xf32>, %ids: tensor<3x2xi32>) -> tensor<3x16xf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <gelu_mul, layout = interleaved>
      : (tensor<3x16xf16>, tensor<4x16x16xf16>, tensor<4x16x8xf16>, tensor<3x2xf32>, tensor<3x2xi32>) -> tensor<3x16xf16>
  return %y : tensor<3x16xf16>
}
