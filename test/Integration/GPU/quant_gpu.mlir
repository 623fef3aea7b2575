// fp8 on GPU targets: moe.quantize of activation rows (block [1, 128], mx,
// per_row) and quantized moe.experts whose kernels exist (fp8 weights,
// bf16 or fp8 activations), checked by check_quant_rows.py (codes and
// scales equal to quant_reference.py's) and by
// test/Integration/CPU/check_quant_experts.py (the same bounds as the CPU
// reference). The fp8_blocks and mxfp8 layers are
// test/Integration/CPU/quant_experts.mlir's; fp8_channels_a16w8 is the
// weight-only form (bf16 activations, fp8 weights with per-channel scales).
// mxfp4_a16w4 and mxfp4_wide are gpt-oss's format: bf16 activations, fp4
// weights (two codes per byte in the GPU library's buffers) with E8M0
// scales per 32 k; mxfp4_wide's rows take K tails. fp8_rows_a8w8 (per
// channel and per token) takes sm_90's fp8 mma_row_dot with K tails.
// Built and run by run.py. Here, statically: every entry has kernels on
// sm_90 (PTX without local memory) and gfx950 (no spills).
// REQUIRES: ptxas
// RUN: moe-compile %s --target=sm_90 --tokens=1 --emit=isa -o %t.ptx
// RUN: FileCheck %s --input-file %t.ptx
// RUN: FileCheck %s --check-prefix=CLEAN --input-file %t.ptx
// RUN: moe-compile %s --target=gfx950 --tokens=1 --emit=isa -o %t.s
// RUN: FileCheck %s --check-prefix=AMD --input-file %t.s
// CHECK-DAG: .entry quantize_groups_quantize
// CHECK-DAG: .entry quantize_mxfp8_quantize
// CHECK-DAG: .entry fp8_blocks_quantize
// CHECK-DAG: .entry fp8_blocks_grouped_matmul
// CHECK-DAG: .entry mxfp8_grouped_matmul
// CHECK-DAG: .entry fp8_channels_a16w8_grouped_matmul
// CHECK-DAG: .entry mxfp4_a16w4_grouped_matmul
// CHECK-DAG: .entry mxfp4_wide_grouped_matmul
// CHECK-DAG: .entry fp8_rows_a8w8_grouped_matmul
// CHECK-DAG: mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e4m3.f32
// CLEAN-NOT: .local
// AMD-NOT: .vgpr_spill_count: {{[1-9]}}
// AMD-NOT: .sgpr_spill_count: {{[1-9]}}
// AMD: .vgpr_spill_count: 0

func.func @quantize_groups(%x: tensor<?x384xbf16>) -> (tensor<?x384xf8E4M3FN>, tensor<?x3xf32>) {
  %q, %s = moe.quantize %x <block [1, 128]> : tensor<?x384xbf16> -> (tensor<?x384xf8E4M3FN>, tensor<?x3xf32>)
  return %q, %s : tensor<?x384xf8E4M3FN>, tensor<?x3xf32>
}

func.func @quantize_mxfp8(%x: tensor<?x64xbf16>) -> (tensor<?x64xf8E4M3FN>, tensor<?x2xf8E8M0FNU>) {
  %q, %s = moe.quantize %x <mx> : tensor<?x64xbf16> -> (tensor<?x64xf8E4M3FN>, tensor<?x2xf8E8M0FNU>)
  return %q, %s : tensor<?x64xf8E4M3FN>, tensor<?x2xf8E8M0FNU>
}

func.func @quantize_rows(%x: tensor<?x200xf16>) -> (tensor<?x200xf8E4M3FN>, tensor<?xf32>) {
  %q, %s = moe.quantize %x <per_row> : tensor<?x200xf16> -> (tensor<?x200xf8E4M3FN>, tensor<?xf32>)
  return %q, %s : tensor<?x200xf8E4M3FN>, tensor<?xf32>
}

func.func @fp8_blocks(%x: tensor<?x256xbf16>, %w1: tensor<8x256x256xf8E4M3FN>, %w2: tensor<8x256x128xf8E4M3FN>,
                      %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>,
                      %s1: tensor<8x2x2xf32>, %s2: tensor<8x2x1xf32>) -> tensor<?x256xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      weight_scales %s1, %s2 <block [128, 128]> act_quant <block [1, 128]> f8E4M3FN
      : (tensor<?x256xbf16>, tensor<8x256x256xf8E4M3FN>, tensor<8x256x128xf8E4M3FN>, tensor<?x2xf32>, tensor<?x2xi32>,
         tensor<8x2x2xf32>, tensor<8x2x1xf32>) -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}

func.func @mxfp8(%x: tensor<?x96xbf16>, %w1: tensor<4x128x96xf8E4M3FN>, %w2: tensor<4x96x64xf8E4M3FN>,
                 %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>,
                 %s1: tensor<4x128x3xf8E8M0FNU>, %s2: tensor<4x96x2xf8E8M0FNU>) -> tensor<?x96xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <swiglu_oai>
      weight_scales %s1, %s2 <mx> act_quant <mx> f8E4M3FN
      : (tensor<?x96xbf16>, tensor<4x128x96xf8E4M3FN>, tensor<4x96x64xf8E4M3FN>, tensor<?x2xf32>, tensor<?x2xi32>,
         tensor<4x128x3xf8E8M0FNU>, tensor<4x96x2xf8E8M0FNU>) -> tensor<?x96xbf16>
  return %y : tensor<?x96xbf16>
}

func.func @fp8_channels_a16w8(%x: tensor<?x512xbf16>, %w1: tensor<16x384x512xf8E4M3FN>, %w2: tensor<16x512x192xf8E4M3FN>,
                              %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>,
                              %s1: tensor<16x384xf32>, %s2: tensor<16x512xf32>) -> tensor<?x512xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      weight_scales %s1, %s2 <per_row>
      : (tensor<?x512xbf16>, tensor<16x384x512xf8E4M3FN>, tensor<16x512x192xf8E4M3FN>, tensor<?x2xf32>, tensor<?x2xi32>,
         tensor<16x384xf32>, tensor<16x512xf32>) -> tensor<?x512xbf16>
  return %y : tensor<?x512xbf16>
}

func.func @mxfp4_a16w4(%x: tensor<?x64xbf16>, %w1: tensor<4x128x64xf4E2M1FN>, %w2: tensor<4x64x64xf4E2M1FN>,
                       %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>,
                       %s1: tensor<4x128x2xf8E8M0FNU>, %s2: tensor<4x64x2xf8E8M0FNU>) -> tensor<?x64xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <swiglu_oai, layout = interleaved, alpha = 1.702, beta = 1.0, limit = 7.0>
      weight_scales %s1, %s2 <mx>
      : (tensor<?x64xbf16>, tensor<4x128x64xf4E2M1FN>, tensor<4x64x64xf4E2M1FN>, tensor<?x2xf32>, tensor<?x2xi32>,
         tensor<4x128x2xf8E8M0FNU>, tensor<4x64x2xf8E8M0FNU>) -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

func.func @mxfp4_wide(%x: tensor<?x1152xbf16>, %w1: tensor<8x640x1152xf4E2M1FN>, %w2: tensor<8x1152x320xf4E2M1FN>,
                      %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>,
                      %s1: tensor<8x640x36xf8E8M0FNU>, %s2: tensor<8x1152x10xf8E8M0FNU>) -> tensor<?x1152xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <swiglu_oai, layout = interleaved, alpha = 1.702, beta = 1.0, limit = 7.0>
      weight_scales %s1, %s2 <mx>
      : (tensor<?x1152xbf16>, tensor<8x640x1152xf4E2M1FN>, tensor<8x1152x320xf4E2M1FN>, tensor<?x2xf32>, tensor<?x2xi32>,
         tensor<8x640x36xf8E8M0FNU>, tensor<8x1152x10xf8E8M0FNU>) -> tensor<?x1152xbf16>
  return %y : tensor<?x1152xbf16>
}

func.func @fp8_rows_a8w8(%x: tensor<?x336xbf16>, %w1: tensor<8x160x336xf8E4M3FN>, %w2: tensor<8x336x80xf8E4M3FN>,
                         %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>,
                         %s1: tensor<8x160xf32>, %s2: tensor<8x336xf32>) -> tensor<?x336xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      weight_scales %s1, %s2 <per_row> act_quant <per_row> f8E4M3FN
      : (tensor<?x336xbf16>, tensor<8x160x336xf8E4M3FN>, tensor<8x336x80xf8E4M3FN>, tensor<?x2xf32>, tensor<?x2xi32>,
         tensor<8x160xf32>, tensor<8x336xf32>) -> tensor<?x336xbf16>
  return %y : tensor<?x336xbf16>
}
