func.func @combine(%r: tensor<?x4xbf16>, %s: tensor<?x2xf32>) -> tensor<?x4xbf16> {
  %y = moe.combine %r, %s : tensor<?x4xbf16>, tensor<?x2xf32> -> tensor<?x4xbf16>
  return %y : tensor<?x4xbf16>
}

func.func @align(%ids: tensor<2x2xi32>, %begin: index) -> (tensor<64xi32>, tensor<4xi32>, tensor<i32>) {
  %s, %b, %c = moe.align %ids experts 4 block_m 16 range %begin : tensor<2x2xi32> -> tensor<64xi32>, tensor<4xi32>, tensor<i32>
  return %s, %b, %c : tensor<64xi32>, tensor<4xi32>, tensor<i32>
}

func.func private @helper(%x: tensor<4xf32>) -> tensor<4xf32>

func.func @norm(%x: tensor<?x4xbf16>, %w: tensor<4xbf16>) -> tensor<?x4xbf16> {
  %y = moe.rms_norm %x, %w eps 1.0e-06 : tensor<?x4xbf16>, tensor<4xbf16>
  return %y : tensor<?x4xbf16>
}
