// RUN: not moe-compile --target=sm_90 %s -o %t.so 2>&1 | FileCheck %s -DCHIP=sm_90
// RUN: not moe-compile --target=gfx950 %s -o %t.so 2>&1 | FileCheck %s -DCHIP=gfx950

// moe.experts with biases (gpt-oss) expands into grouped GEMMs with a bias,
// which have no GPU kernel yet: a GPU target says so at the GEMM, located at
// the layer, instead of dropping the bias.

// CHECK: bias-experts-unsupported.mlir:[[# @LINE + 4]]:8: error: 'moe.grouped_matmul' op has no [[CHIP]] kernel template for an expert bias yet (biases, as gpt-oss's experts have them, run on the CPU reference only so far)
func.func @experts(%x: tensor<?x64xbf16>, %w1: tensor<8x64x64xbf16>, %w2: tensor<8x64x32xbf16>,
                   %w: tensor<?x4xf32>, %ids: tensor<?x4xi32>, %b1: tensor<8x64xbf16>,
                   %b2: tensor<8x64xbf16>) -> tensor<?x64xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <swiglu_oai, layout = interleaved> biases %b1, %b2
      : (tensor<?x64xbf16>, tensor<8x64x64xbf16>, tensor<8x64x32xbf16>, tensor<?x4xf32>, tensor<?x4xi32>,
         tensor<8x64xbf16>, tensor<8x64xbf16>) -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}
