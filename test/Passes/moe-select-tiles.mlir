// RUN: moe-opt %s -split-input-file -moe-select-tiles="target=gfx942 tokens=216 ep-size=8" | FileCheck %s --check-prefix=EP8
// RUN: moe-opt %s -split-input-file -moe-select-tiles="target=gfx942 tokens=4096" | FileCheck %s --check-prefix=PREFILL
// RUN: moe-opt %s -split-input-file -moe-select-tiles="target=gfx942 tokens=1" | FileCheck %s --check-prefix=DECODE
// RUN: moe-opt %s -split-input-file -moe-select-tiles="target=sm_90 tokens=1" | FileCheck %s --check-prefix=SM90
// RUN: moe-opt %s -split-input-file -moe-select-tiles="target=sm_90 tokens=8" | FileCheck %s --check-prefix=SM90T8
// RUN: moe-opt %s -split-input-file -moe-select-tiles="target=sm_90 tokens=9" | FileCheck %s --check-prefix=SM90T9
// RUN: moe-opt %s -split-input-file -moe-select-tiles="target=sm_90 tokens=1 ep-size=8" | FileCheck %s --check-prefix=SM90EP
// RUN: not moe-opt %s -split-input-file -moe-select-tiles="target=gfx1100" 2>&1 | FileCheck %s --check-prefix=BADCHIP
// RUN: not moe-opt %s -split-input-file -moe-select-tiles="target=gfx950" 2>&1 | FileCheck %s --check-prefix=NOTOKENS

// gpt-oss-120b shapes (H = I = 2880, E = 128, k = 4).
// EP8, T = 216: 216 * 4 / 128 = 6.75 routes per expert -> 16-row blocks.
// EP8-LABEL: func.func @gpt_oss_experts
// EP8: moe.experts {{.*}} tile <block_m = 16, block_n = {{[0-9]+}}>
// Prefill, T = 4096: 128 routes per expert -> the largest block, 128.
// PREFILL-LABEL: func.func @gpt_oss_experts
// PREFILL: moe.experts {{.*}} tile <block_m = 128, block_n = {{[0-9]+}}>
// Decode, T = 1: 4 experts x 5760 columns; 64-wide column blocks give 360
// workgroups for 304 CUs (128-wide would give 180); 132 SMs take 128.
// DECODE-LABEL: func.func @gpt_oss_experts
// DECODE: moe.experts {{.*}} tile <block_m = 16, block_n = 64>
// sm_90 streams decode weights as row dot products (rowDotDecode): with
// at most E / 4 = 32 routes (T <= 8) it picks route order, block_m 1 (no
// moe.align), and 16-row blocks past that or under expert parallelism (the
// GEMMs of route order read global ids).
// SM90-LABEL: func.func @gpt_oss_experts
// SM90: moe.experts {{.*}} tile <block_m = 1, block_n = 256>
// SM90T8-LABEL: func.func @gpt_oss_experts
// SM90T8: moe.experts {{.*}} tile <block_m = 1,
// SM90T9-LABEL: func.func @gpt_oss_experts
// SM90T9: moe.experts {{.*}} tile <block_m = 16,
// SM90EP-LABEL: func.func @gpt_oss_experts
// SM90EP: moe.experts {{.*}} tile <block_m = 16,
// BADCHIP: error: unknown --moe-select-tiles target 'gfx1100'; expected one of: gfx942, gfx950, sm_90
// NOTOKENS: error: 'moe.experts' op has a dynamic token count; expected a token count for the tile cost model (moe-compile --tokens=N, or --moe-select-tiles="tokens=N"; the public functions whose T is an argument's dim 0 get token buckets: --moe-split-token-buckets)
func.func @gpt_oss_experts(%x: tensor<?x2880xbf16>, %w1: tensor<128x5760x2880xbf16>, %w2: tensor<128x2880x2880xbf16>,
                           %w: tensor<?x4xf32>, %ids: tensor<?x4xi32>) -> tensor<?x2880xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <swiglu_oai, layout = interleaved>
      : (tensor<?x2880xbf16>, tensor<128x5760x2880xbf16>, tensor<128x2880x2880xbf16>, tensor<?x4xf32>, tensor<?x4xi32>) -> tensor<?x2880xbf16>
  return %y : tensor<?x2880xbf16>
}

// -----

// A grouped GEMM keeps the block_m its moe.align fixed; its own T is static.
// EP8-LABEL: func.func @gemm_keeps_block_m
// EP8: moe.grouped_matmul {{.*}} block_m 64 tile <block_m = 64,
// PREFILL-LABEL: func.func @gemm_keeps_block_m
// PREFILL: moe.grouped_matmul {{.*}} block_m 64 tile <block_m = 64,
func.func @gemm_keeps_block_m(%x: tensor<16x2048xbf16>, %w: tensor<16x1536x2048xbf16>, %s: tensor<2048xi32>,
                              %b: tensor<32xi32>, %c: tensor<i32>) -> tensor<128x1536xbf16> {
  %h = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 8 block_m 64
      : (tensor<16x2048xbf16>, tensor<16x1536x2048xbf16>, tensor<2048xi32>, tensor<32xi32>, tensor<i32>) -> tensor<128x1536xbf16>
  return %h : tensor<128x1536xbf16>
}

// -----

// DeepSeek-V3 at TP8 (I = 2048 / 8 = 256, GEMM1 N = 512): at T = 1 even
// 16-wide column blocks give 8 x 32 = 256 workgroups < 304 CUs: the
// narrowest block (the kernel's plan then splits K over its waves).
// DECODE-LABEL: func.func @deepseek_tp8_experts
// DECODE: moe.experts {{.*}} tile <block_m = 16, block_n = 16>
func.func @deepseek_tp8_experts(%x: tensor<?x7168xbf16>, %w1: tensor<256x512x7168xbf16>, %w2: tensor<256x7168x256xbf16>,
                                %w: tensor<?x8xf32>, %ids: tensor<?x8xi32>) -> tensor<?x7168xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      : (tensor<?x7168xbf16>, tensor<256x512x7168xbf16>, tensor<256x7168x256xbf16>, tensor<?x8xf32>, tensor<?x8xi32>) -> tensor<?x7168xbf16>
  return %y : tensor<?x7168xbf16>
}
