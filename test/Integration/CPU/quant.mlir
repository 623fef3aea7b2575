// moe.quantize, moe.dequantize and the fp8/fp4/E8M0 conversions of the CPU
// pipeline against the numpy oracle of quant_reference.py (written from the
// format definitions), code for code.
// RUN: moe-compile %s -o %t.so
// RUN: %python %S/check_quant.py --lib %t.so --moe-run moe-run | FileCheck %s
// CHECK: {{^[0-9]+}} passed, 0 failed

func.func @trunc_fn(%x: tensor<?xf32>) -> tensor<?xf8E4M3FN> {
  %q = arith.truncf %x : tensor<?xf32> to tensor<?xf8E4M3FN>
  return %q : tensor<?xf8E4M3FN>
}
func.func @trunc_fnuz(%x: tensor<?xf32>) -> tensor<?xf8E4M3FNUZ> {
  %q = arith.truncf %x : tensor<?xf32> to tensor<?xf8E4M3FNUZ>
  return %q : tensor<?xf8E4M3FNUZ>
}
func.func @trunc_fp4(%x: tensor<?xf32>) -> tensor<?xf4E2M1FN> {
  %q = arith.truncf %x : tensor<?xf32> to tensor<?xf4E2M1FN>
  return %q : tensor<?xf4E2M1FN>
}
func.func @ext_fn(%q: tensor<256xf8E4M3FN>) -> tensor<256xf32> {
  %x = arith.extf %q : tensor<256xf8E4M3FN> to tensor<256xf32>
  return %x : tensor<256xf32>
}
func.func @ext_fnuz(%q: tensor<256xf8E4M3FNUZ>) -> tensor<256xf32> {
  %x = arith.extf %q : tensor<256xf8E4M3FNUZ> to tensor<256xf32>
  return %x : tensor<256xf32>
}
func.func @ext_e8m0(%q: tensor<256xf8E8M0FNU>) -> tensor<256xf32> {
  %x = arith.extf %q : tensor<256xf8E8M0FNU> to tensor<256xf32>
  return %x : tensor<256xf32>
}
func.func @ext_fp4(%q: tensor<16xf4E2M1FN>) -> tensor<16xf32> {
  %x = arith.extf %q : tensor<16xf4E2M1FN> to tensor<16xf32>
  return %x : tensor<16xf32>
}

// DeepSeek-V3's activations: fp8 per token group of 128.
func.func @quantize_groups(%x: tensor<?x384xbf16>) -> (tensor<?x384xf8E4M3FN>, tensor<?x3xf32>) {
  %q, %s = moe.quantize %x <block [1, 128]> : tensor<?x384xbf16> -> (tensor<?x384xf8E4M3FN>, tensor<?x3xf32>)
  return %q, %s : tensor<?x384xf8E4M3FN>, tensor<?x3xf32>
}
// Weights in 128x128 blocks with partial last blocks.
func.func @quantize_blocks(%w: tensor<2x300x200xf32>) -> (tensor<2x300x200xf8E4M3FN>, tensor<2x3x2xf32>) {
  %q, %s = moe.quantize %w <block [128, 128]> : tensor<2x300x200xf32> -> (tensor<2x300x200xf8E4M3FN>, tensor<2x3x2xf32>)
  return %q, %s : tensor<2x300x200xf8E4M3FN>, tensor<2x3x2xf32>
}
func.func @quantize_rows_fnuz(%x: tensor<?x64xf16>) -> (tensor<?x64xf8E4M3FNUZ>, tensor<?xf32>) {
  %q, %s = moe.quantize %x <per_row> : tensor<?x64xf16> -> (tensor<?x64xf8E4M3FNUZ>, tensor<?xf32>)
  return %q, %s : tensor<?x64xf8E4M3FNUZ>, tensor<?xf32>
}
func.func @quantize_tensor(%x: tensor<3x5x64xbf16>) -> (tensor<3x5x64xf8E4M3FN>, tensor<3xf32>) {
  %q, %s = moe.quantize %x <per_tensor> : tensor<3x5x64xbf16> -> (tensor<3x5x64xf8E4M3FN>, tensor<3xf32>)
  return %q, %s : tensor<3x5x64xf8E4M3FN>, tensor<3xf32>
}
func.func @quantize_mxfp4(%x: tensor<?x96xbf16>) -> (tensor<?x96xf4E2M1FN>, tensor<?x3xf8E8M0FNU>) {
  %q, %s = moe.quantize %x <mx> : tensor<?x96xbf16> -> (tensor<?x96xf4E2M1FN>, tensor<?x3xf8E8M0FNU>)
  return %q, %s : tensor<?x96xf4E2M1FN>, tensor<?x3xf8E8M0FNU>
}
func.func @quantize_mxfp8(%x: tensor<?x64xbf16>) -> (tensor<?x64xf8E4M3FN>, tensor<?x2xf8E8M0FNU>) {
  %q, %s = moe.quantize %x <mx> : tensor<?x64xbf16> -> (tensor<?x64xf8E4M3FN>, tensor<?x2xf8E8M0FNU>)
  return %q, %s : tensor<?x64xf8E4M3FN>, tensor<?x2xf8E8M0FNU>
}

func.func @dequantize_blocks(%q: tensor<2x300x200xf8E4M3FN>, %s: tensor<2x3x2xf32>) -> tensor<2x300x200xbf16> {
  %w = moe.dequantize %q, %s <block [128, 128]> : (tensor<2x300x200xf8E4M3FN>, tensor<2x3x2xf32>) -> tensor<2x300x200xbf16>
  return %w : tensor<2x300x200xbf16>
}
func.func @dequantize_mxfp4(%q: tensor<4x16x64xf4E2M1FN>, %s: tensor<4x16x2xf8E8M0FNU>) -> tensor<4x16x64xf32> {
  %w = moe.dequantize %q, %s <mx> : (tensor<4x16x64xf4E2M1FN>, tensor<4x16x2xf8E8M0FNU>) -> tensor<4x16x64xf32>
  return %w : tensor<4x16x64xf32>
}
func.func @dequantize_rows_fnuz(%q: tensor<?x64xf8E4M3FNUZ>, %s: tensor<?xf32>) -> tensor<?x64xf16> {
  %w = moe.dequantize %q, %s <per_row> : (tensor<?x64xf8E4M3FNUZ>, tensor<?xf32>) -> tensor<?x64xf16>
  return %w : tensor<?x64xf16>
}

// Dynamic sizes the verifier cannot relate are checked at run time.
func.func @dequantize_dynamic(%q: tensor<?x64xf8E4M3FN>, %s: tensor<?x2xf32>) -> tensor<?x64xbf16> {
  %w = moe.dequantize %q, %s <block [1, 32]> : (tensor<?x64xf8E4M3FN>, tensor<?x2xf32>) -> tensor<?x64xbf16>
  return %w : tensor<?x64xbf16>
}
func.func @quantize_mx_dynamic(%x: tensor<4x?xbf16>) -> (tensor<4x?xf8E4M3FN>, tensor<4x?xf8E8M0FNU>) {
  %q, %s = moe.quantize %x <mx> : tensor<4x?xbf16> -> (tensor<4x?xf8E4M3FN>, tensor<4x?xf8E8M0FNU>)
  return %q, %s : tensor<4x?xf8E4M3FN>, tensor<4x?xf8E8M0FNU>
}
