// RUN: moe-opt %s -split-input-file -moe-skip-inter-stage-quant="mode=always" | FileCheck %s --check-prefix=ALWAYS
// RUN: moe-opt %s -split-input-file -moe-skip-inter-stage-quant="mode=never" | FileCheck %s --check-prefix=NEVER
// RUN: moe-opt %s -split-input-file -moe-skip-inter-stage-quant="target=sm_90" | FileCheck %s --check-prefix=SM90
// RUN: moe-opt %s -split-input-file -moe-skip-inter-stage-quant="target=gfx950" | FileCheck %s --check-prefix=GFX950
// RUN: moe-opt %s -split-input-file -moe-skip-inter-stage-quant | FileCheck %s --check-prefix=NEVER
// RUN: not moe-opt %s -split-input-file -moe-skip-inter-stage-quant="mode=sometimes" 2>&1 | FileCheck %s --check-prefix=BAD-MODE
// RUN: not moe-opt %s -split-input-file -moe-skip-inter-stage-quant="target=sm_80" 2>&1 | FileCheck %s --check-prefix=BAD-TARGET

// BAD-MODE: unknown --moe-skip-inter-stage-quant mode 'sometimes'; expected one of: auto, always, never
// BAD-TARGET: unknown --moe-skip-inter-stage-quant target 'sm_80'; expected cpu or one of: gfx942, gfx950, sm_90

// GEMM1's SwiGLU rows quantized to MXFP4 for an a4w4 GEMM2, the quantize
// fusable into GEMM1. always: GEMM2 reads the bf16 rows (a16w4) and the
// quantize goes. auto keeps it on both chips: fused, the fp4 rows are the
// fewer bytes, and gfx950 multiplies fp4 x fp4 at 4x.
// ALWAYS-LABEL: func.func @fusable_mx_fp4
// ALWAYS: %[[H:.*]] = moe.grouped_matmul {{.*}} rows tokens
// ALWAYS-NOT: moe.quantize
// ALWAYS: moe.grouped_matmul %[[H]], %{{.*}} rows routes top_k 2 block_m 16 w_scales %{{.*}} <mx> tile <block_m = 16, block_n = 64> : (tensor<?x64xbf16>, tensor<4x4096x64xf4E2M1FN>, {{.*}}) -> tensor<?x4096xbf16>
// ALWAYS-NOT: plan
// NEVER-LABEL: func.func @fusable_mx_fp4
// NEVER: moe.quantize
// NEVER: a_scales
// SM90-LABEL: func.func @fusable_mx_fp4
// SM90: moe.quantize
// SM90: a_scales
// GFX950-LABEL: func.func @fusable_mx_fp4
// GFX950: moe.quantize
// GFX950: a_scales
func.func @fusable_mx_fp4(%x: tensor<?x96xbf16>, %w1: tensor<4x128x96xbf16>,
                          %w2: tensor<4x4096x64xf4E2M1FN>, %w2s: tensor<4x4096x2xf8E8M0FNU>,
                          %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x4096xbf16> {
  %h = moe.grouped_matmul %x, %w1, %s, %b, %c rows tokens top_k 2 block_m 16 activation <silu_mul>
      : (tensor<?x96xbf16>, tensor<4x128x96xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x64xbf16>
  %q, %qs = moe.quantize %h <mx> : tensor<?x64xbf16> -> (tensor<?x64xf4E2M1FN>, tensor<?x2xf8E8M0FNU>)
  %y = moe.grouped_matmul %q, %w2, %s, %b, %c rows routes top_k 2 block_m 16
      a_scales %qs <mx> w_scales %w2s <mx> tile <block_m = 16, block_n = 64>
      plan <block_n = 64, waves_n = 4, slices = 1, group = 2, row_group = 1, loads = shared_tiles, stages = 3>
      : (tensor<?x64xf4E2M1FN>, tensor<4x4096x64xf4E2M1FN>, tensor<?xi32>, tensor<?xi32>, tensor<i32>,
         tensor<?x2xf8E8M0FNU>, tensor<4x4096x2xf8E8M0FNU>) -> tensor<?x4096xbf16>
  return %y : tensor<?x4096xbf16>
}

// -----

// The bf16 rows are also returned, so the quantize stays a kernel of its
// own. sm_90 has no fp4 MMA: reading the bf16 rows moves fewer bytes than
// writing, reading and quantizing them, so auto skips. gfx950's 4x fp4
// MMAs over H = 4096 outweigh the quantize kernel: auto keeps it.
// SM90-LABEL: func.func @unfusable_mx_fp4
// SM90: %[[H:.*]] = moe.grouped_matmul %arg0
// SM90-NOT: moe.quantize
// SM90: moe.grouped_matmul %[[H]], {{.*}} rows routes top_k 2 block_m 1 w_scales
// SM90: return
// GFX950-LABEL: func.func @unfusable_mx_fp4
// GFX950: moe.quantize
// GFX950: a_scales
func.func @unfusable_mx_fp4(%x: tensor<4x96xbf16>, %w1: tensor<4x128x96xbf16>,
                            %w2: tensor<4x4096x64xf4E2M1FN>, %w2s: tensor<4x4096x2xf8E8M0FNU>,
                            %ids: tensor<4x2xi32>) -> (tensor<8x4096xbf16>, tensor<8x64xbf16>) {
  %h = moe.grouped_matmul %x, %w1 route_ids %ids rows tokens top_k 2 block_m 1 activation <silu_mul>
      : (tensor<4x96xbf16>, tensor<4x128x96xbf16>, tensor<4x2xi32>) -> tensor<8x64xbf16>
  %q, %qs = moe.quantize %h <mx> : tensor<8x64xbf16> -> (tensor<8x64xf4E2M1FN>, tensor<8x2xf8E8M0FNU>)
  %y = moe.grouped_matmul %q, %w2 route_ids %ids rows routes top_k 2 block_m 1
      a_scales %qs <mx> w_scales %w2s <mx>
      : (tensor<8x64xf4E2M1FN>, tensor<4x4096x64xf4E2M1FN>, tensor<4x2xi32>,
         tensor<8x2xf8E8M0FNU>, tensor<4x4096x2xf8E8M0FNU>) -> tensor<8x4096xbf16>
  return %y, %h : tensor<8x4096xbf16>, tensor<8x64xbf16>
}

// -----

// Small H: the quantize kernel's bytes outweigh gfx950's faster MMAs too.
// GFX950-LABEL: func.func @unfusable_small_hidden
// GFX950-NOT: moe.quantize
// GFX950: moe.grouped_matmul %{{.*}}, %{{.*}} route_ids %{{.*}} rows routes top_k 2 block_m 1 w_scales
func.func @unfusable_small_hidden(%h: tensor<8x64xbf16>, %w2: tensor<4x64x64xf4E2M1FN>,
                                  %w2s: tensor<4x64x2xf8E8M0FNU>, %ids: tensor<4x2xi32>) -> tensor<8x64xbf16> {
  %q, %qs = moe.quantize %h <mx> : tensor<8x64xbf16> -> (tensor<8x64xf4E2M1FN>, tensor<8x2xf8E8M0FNU>)
  %y = moe.grouped_matmul %q, %w2 route_ids %ids rows routes top_k 2 block_m 1
      a_scales %qs <mx> w_scales %w2s <mx>
      : (tensor<8x64xf4E2M1FN>, tensor<4x64x64xf4E2M1FN>, tensor<4x2xi32>,
         tensor<8x2xf8E8M0FNU>, tensor<4x64x2xf8E8M0FNU>) -> tensor<8x64xbf16>
  return %y : tensor<8x64xbf16>
}

// -----

// GEMM1 reads the tokens: its quantized input is not between the GEMMs.
// ALWAYS-LABEL: func.func @negative_gemm1
// ALWAYS: moe.quantize
// ALWAYS: a_scales
func.func @negative_gemm1(%x: tensor<4x128xbf16>, %w: tensor<4x256x128xf8E4M3FN>, %ws: tensor<4x2x1xf32>,
                          %ids: tensor<4x2xi32>) -> tensor<8x128xbf16> {
  %q, %qs = moe.quantize %x <block [1, 128]> : tensor<4x128xbf16> -> (tensor<4x128xf8E4M3FN>, tensor<4x1xf32>)
  %h = moe.grouped_matmul %q, %w route_ids %ids rows tokens top_k 2 block_m 1 activation <silu_mul>
      a_scales %qs <block [1, 128]> w_scales %ws <block [128, 128]>
      : (tensor<4x128xf8E4M3FN>, tensor<4x256x128xf8E4M3FN>, tensor<4x2xi32>, tensor<4x1xf32>, tensor<4x2x1xf32>) -> tensor<8x128xbf16>
  return %h : tensor<8x128xbf16>
}

// -----

// The quantization is already in GEMM1's epilogue.
// ALWAYS-LABEL: func.func @negative_fused
// ALWAYS: out_quant <block [1, 128]> from bf16
// ALWAYS: a_scales
func.func @negative_fused(%x: tensor<4x128xbf16>, %w1: tensor<4x256x128xbf16>, %w2: tensor<4x128x128xf8E4M3FN>,
                          %w2s: tensor<4x1x1xf32>, %ids: tensor<4x2xi32>) -> tensor<8x128xbf16> {
  %q, %qs = moe.grouped_matmul %x, %w1 route_ids %ids rows tokens top_k 2 block_m 1 activation <silu_mul>
      out_quant <block [1, 128]> from bf16
      : (tensor<4x128xbf16>, tensor<4x256x128xbf16>, tensor<4x2xi32>) -> (tensor<8x128xf8E4M3FN>, tensor<8x1xf32>)
  %y = moe.grouped_matmul %q, %w2 route_ids %ids rows routes top_k 2 block_m 1
      a_scales %qs <block [1, 128]> w_scales %w2s <block [128, 128]>
      : (tensor<8x128xf8E4M3FN>, tensor<4x128x128xf8E4M3FN>, tensor<4x2xi32>, tensor<8x1xf32>, tensor<4x1x1xf32>) -> tensor<8x128xbf16>
  return %y : tensor<8x128xbf16>
}

// -----

// An f32 result from bf16 activations: an unquantized 'a' sets the result's
// type, so GEMM2 keeps its quantized input.
// ALWAYS-LABEL: func.func @negative_result_type
// ALWAYS: moe.quantize
// ALWAYS: a_scales
func.func @negative_result_type(%h: tensor<8x128xbf16>, %w2: tensor<4x128x128xf8E4M3FN>,
                                %w2s: tensor<4x1x1xf32>, %ids: tensor<4x2xi32>) -> tensor<8x128xf32> {
  %q, %qs = moe.quantize %h <block [1, 128]> : tensor<8x128xbf16> -> (tensor<8x128xf8E4M3FN>, tensor<8x1xf32>)
  %y = moe.grouped_matmul %q, %w2 route_ids %ids rows routes top_k 2 block_m 1
      a_scales %qs <block [1, 128]> w_scales %w2s <block [128, 128]>
      : (tensor<8x128xf8E4M3FN>, tensor<4x128x128xf8E4M3FN>, tensor<4x2xi32>, tensor<8x1xf32>, tensor<4x1x1xf32>) -> tensor<8x128xf32>
  return %y : tensor<8x128xf32>
}
