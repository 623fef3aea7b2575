func.func @gpt_oss_experts(%x: tensor<?x2880xbf16>, %w1: tensor<128x5760x2880xbf16>, %w2: tensor<128x2880x2880xbf16>,
                           %w: tensor<?x4xf32>, %ids: tensor<?x4xi32>) -> tensor<?x2880xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <swiglu_oai, layout = interleaved>
      : (tensor<?x2880xbf16>, tensor<128x5760x2880xbf16>, tensor<128x2880x2880xbf16>, tensor<?x4xf32>, tensor<?x4xi32>) -> tensor<?x2880xbf16>
  return %y : tensor<?x2880xbf16>
}
