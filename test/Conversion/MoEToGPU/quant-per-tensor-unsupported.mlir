// RUN: not moe-compile --target=sm_90 --tokens=4 %s -o %t.so 2>&1 | FileCheck %s -DCHIP=sm_90

// A per_tensor scale needs the whole tensor's maximum: the quantize kernel
// (a workgroup per row) does not take it yet.
// CHECK: error: 'moe.quantize' op has no [[CHIP]] kernel for #moe.quant<per_tensor> yet: expected a scheme whose groups lie in one row (per_row, block [1, n] or mx)
func.func @per_tensor(%x: tensor<?x64xbf16>) -> (tensor<?x64xf8E4M3FN>, tensor<f32>) {
  %q, %s = moe.quantize %x <per_tensor> : tensor<?x64xbf16> -> (tensor<?x64xf8E4M3FN>, tensor<f32>)
  return %q, %s : tensor<?x64xf8E4M3FN>, tensor<f32>
}
