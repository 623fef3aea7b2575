// RUN: not moe-compile --target=sm_90 %s -o %t.so 2>&1 | FileCheck %s -DCHIP=sm_90
// RUN: not moe-compile --target=gfx950 %s -o %t.so 2>&1 | FileCheck %s -DCHIP=gfx950

// Quantization has a CPU reference only so far: a GPU target diagnoses it
// at the op instead of building a wrong kernel.
// CHECK: error: 'moe.quantize' op has no [[CHIP]] kernel template yet
func.func @quantize(%x: tensor<?x64xbf16>) -> (tensor<?x64xf8E4M3FN>, tensor<?x2xf8E8M0FNU>) {
  %q, %s = moe.quantize %x <mx> : tensor<?x64xbf16> -> (tensor<?x64xf8E4M3FN>, tensor<?x2xf8E8M0FNU>)
  return %q, %s : tensor<?x64xf8E4M3FN>, tensor<?x2xf8E8M0FNU>
}

