// RUN: not moe-compile --target=sm_90 --tokens=4 %s -o %t.so 2>&1 | FileCheck %s -DCHIP=sm_90
// RUN: not moe-compile --target=gfx942 --ocp-to-fnuz --tokens=4 %s -o %t.so 2>&1 | FileCheck %s -DCHIP=gfx942
// RUN: not moe-compile --target=gfx942 %s -o %t.so 2>&1 | FileCheck %s --check-prefix=FNUZ

// gfx942 multiplies FNUZ fp8: the OCP weights are an error unless converted.
// FNUZ: error: 'moe.experts' op operand 'w1' is 'f8E4M3FN', which gfx942 does not multiply; expected 'f8E4M3FNUZ' (ocp-to-fnuz=true reinterprets

// fp8 and fp4 weights have row-dot kernels; fp4 activations (a4w4) and a
// quantizing epilogue (quant-epilogue-unsupported.mlir) do not yet: a GPU
// target says so at the GEMM, located at the layer.

// CHECK: quant-experts-unsupported.mlir:[[# @LINE + 3]]:8: error: 'moe.grouped_matmul' op has no [[CHIP]] kernel for 'a' of element type 'f4E2M1FN' yet: expected bf16, f16, f8E4M3FN or f8E4M3FNUZ (fp4 activations run on the CPU reference only)
func.func @mxfp4(%x: tensor<4x64xbf16>, %w1: tensor<4x128x64xf4E2M1FN>, %w2: tensor<4x64x64xf4E2M1FN>,
                 %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>, %s1: tensor<4x128x2xf8E8M0FNU>, %s2: tensor<4x64x2xf8E8M0FNU>) -> tensor<4x64xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <swiglu_oai, layout = interleaved> weight_scales %s1, %s2 <mx> act_quant <mx> f4E2M1FN
      : (tensor<4x64xbf16>, tensor<4x128x64xf4E2M1FN>, tensor<4x64x64xf4E2M1FN>, tensor<4x2xf32>, tensor<4x2xi32>, tensor<4x128x2xf8E8M0FNU>, tensor<4x64x2xf8E8M0FNU>) -> tensor<4x64xbf16>
  return %y : tensor<4x64xbf16>
}

// OCP fp8 weights (a16w8): kernels on sm_90 and, converted, on gfx942.
func.func @fp8_channels(%x: tensor<4x32xbf16>, %w1: tensor<4x48x32xf8E4M3FN>, %w2: tensor<4x32x24xf8E4M3FN>,
                        %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>, %s1: tensor<4x48xf32>, %s2: tensor<4x32xf32>) -> tensor<4x32xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul> weight_scales %s1, %s2 <per_row>
      : (tensor<4x32xbf16>, tensor<4x48x32xf8E4M3FN>, tensor<4x32x24xf8E4M3FN>, tensor<4x2xf32>, tensor<4x2xi32>, tensor<4x48xf32>, tensor<4x32xf32>) -> tensor<4x32xbf16>
  return %y : tensor<4x32xbf16>
}
