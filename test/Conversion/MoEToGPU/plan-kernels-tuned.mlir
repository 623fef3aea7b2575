// RUN: moe-opt %s --moe-plan-kernels="target=sm_90 tokens=1" | FileCheck %s --check-prefix=TUNED
// RUN: moe-opt %s --moe-plan-kernels="target=sm_90 tokens=2" | FileCheck %s --check-prefix=MODEL
// RUN: moe-opt %s --moe-plan-kernels=target=sm_90 | FileCheck %s --check-prefix=MODEL
// RUN: moe-opt %s --moe-plan-kernels="target=sm_90 tokens=1 gemm-loads=async-copy" | FileCheck %s --check-prefix=FORCED
// RUN: moe-opt %s --moe-plan-kernels="target=gfx942 tokens=1" | FileCheck %s --check-prefix=GFX942

// Qwen3-235B TP4's GEMM2 at T = 1 is in TunedPlans.inc (measured on an
// H200: one 128-column block per workgroup, 4 waves, per-lane async copies
// in 4 stages): with tokens = 1 the planner takes that plan. At another T,
// without tokens, with the loads forced, or on another chip, the model
// plans it (shared tiles by default on sm_90).
// TUNED-LABEL: func.func @qwen_gemm2
// TUNED: plan <block_n = 128, waves_n = 4, slices = 1, group = 4, row_group = 1, loads = async_copy, stages = 4>
// MODEL: plan <block_n = 64, waves_n = 4, slices = 1, group = 2, row_group = 1, loads = shared_tiles, stages = 4>
// FORCED: plan <block_n = 64, waves_n = 4, slices = 1, group = 2, row_group = 1, loads = async_copy, stages = 6>
// GFX942: plan <block_n = 64, waves_n = 4, slices = 1, group = 1, row_group = 1, loads = registers, unroll = 4>
func.func @qwen_gemm2(%a: tensor<?x384xbf16>, %w: tensor<128x4096x384xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x4096xbf16> {
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows routes top_k 8 block_m 16 tile <block_m = 16, block_n = 64> : (tensor<?x384xbf16>, tensor<128x4096x384xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x4096xbf16>
  return %o : tensor<?x4096xbf16>
}

// Its GEMM1 at T = 1 (K = 4096, 8 routes over 128 experts) gets the
// model's row dot products, which beat the measured plan it had
// (bench/results/h200/row-dot-tune); not on gfx942.
// TUNED-LABEL: func.func @qwen_gemm1
// GFX942-LABEL: func.func @qwen_gemm1
// GFX942: loads = registers
// TUNED: plan <block_n = 4, waves_n = 4, slices = 1, group = 1, row_group = 1, loads = row_dot, unroll = 4>
func.func @qwen_gemm1(%x: tensor<?x4096xbf16>, %w: tensor<128x768x4096xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x384xbf16> {
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 8 block_m 16 activation <silu_mul> tile <block_m = 16, block_n = 32> : (tensor<?x4096xbf16>, tensor<128x768x4096xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x384xbf16>
  return %o : tensor<?x384xbf16>
}
