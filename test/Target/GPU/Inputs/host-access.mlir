// A scalar read on the host: its buffer is in device memory.
func.func @first(%x: tensor<4xf32>) -> tensor<1xf32> {
  %c0 = arith.constant 0 : index
  %v = tensor.extract %x[%c0] : tensor<4xf32>
  %t = tensor.from_elements %v : tensor<1xf32>
  return %t : tensor<1xf32>
}
