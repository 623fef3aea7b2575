func.func @combine(%routes: tensor<128x2048xbf16>, %scale: tensor<16x8xf32>,
                   %droutes: tensor<?x2048xf16>, %dscale: tensor<?x8xf32>)
    -> (tensor<16x2048xbf16>, tensor<?x2048xf16>) {
  %y = moe.combine %routes, %scale : tensor<128x2048xbf16>, tensor<16x8xf32> -> tensor<16x2048xbf16>
  %z = moe.combine %droutes, %dscale : tensor<?x2048xf16>, tensor<?x8xf32> -> tensor<?x2048xf16>
  return %y, %z : tensor<16x2048xbf16>, tensor<?x2048xf16>
}
