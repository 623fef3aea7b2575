func.func @f(%h: tensor<4x64xf32>, %init: tensor<64x4xf32>) -> tensor<64x4xf32> {
  %t = linalg.transpose ins(%h : tensor<4x64xf32>) outs(%init : tensor<64x4xf32>) permutation = [1,: 0]
  return %t : tensor<64x4xf32>
}
