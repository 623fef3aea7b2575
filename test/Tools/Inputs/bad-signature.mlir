func.func @scalar_bf16(%x: bf16) -> tensor<4xbf16> {
  %t = tensor.splat %x : tensor<4xbf16>
  return %t : tensor<4xbf16>
}
