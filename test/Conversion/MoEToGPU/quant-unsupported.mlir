// RUN: not moe-compile --target=sm_90 --tokens=4 %s -o %t.so 2>&1 | FileCheck %s -DCHIP=sm_90
// RUN: not moe-compile --target=gfx950 --tokens=4 %s -o %t.so 2>&1 | FileCheck %s -DCHIP=gfx950

// moe.quantize has a kernel for [T, K] rows quantized to fp8 under a row
// scheme; the others are diagnosed at the op instead of building a wrong
// kernel (per_tensor: quant-per-tensor-unsupported.mlir).
// CHECK: error: 'moe.quantize' op has no [[CHIP]] kernel that quantizes to 'f4E2M1FN' yet: expected f8E4M3FN or f8E4M3FNUZ
func.func @mxfp4(%x: tensor<?x64xbf16>) -> (tensor<?x64xf4E2M1FN>, tensor<?x2xf8E8M0FNU>) {
  %q, %s = moe.quantize %x <mx> : tensor<?x64xbf16> -> (tensor<?x64xf4E2M1FN>, tensor<?x2xf8E8M0FNU>)
  return %q, %s : tensor<?x64xf4E2M1FN>, tensor<?x2xf8E8M0FNU>
}
