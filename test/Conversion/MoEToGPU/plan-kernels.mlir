// RUN: moe-opt %s -split-input-file --moe-plan-kernels=target=sm_90 | FileCheck %s --check-prefix=SM90
// RUN: moe-opt %s -split-input-file --moe-plan-kernels=target=gfx942 | FileCheck %s --check-prefix=GFX942
// RUN: moe-opt %s -split-input-file --moe-plan-kernels=target=gfx950 | FileCheck %s --check-prefix=GFX950
// RUN: moe-opt %s -split-input-file --moe-plan-kernels="target=sm_90 gemm-loads=registers" | FileCheck %s --check-prefix=REGS
// RUN: moe-opt %s -split-input-file --moe-plan-kernels="target=sm_90 gemm-loads=shared-tiles" | FileCheck %s --check-prefix=SHARED
// RUN: not moe-opt %s --moe-plan-kernels=target=gfx1100 2>&1 | FileCheck %s --check-prefix=BADCHIP

// BADCHIP: error: unknown --moe-plan-kernels target 'gfx1100'; expected one of: gfx942, gfx950, sm_90

// gpt-oss GEMM1 at decode (one 16-row tile, SwiGLU fused): block_n 128
// weight rows are 64 output columns. sm_90 stages whole tiles in shared
// memory (4 waves of 16 columns, gate and up); gfx950 stages the loads
// through per-lane async copies (one copy moves a lane's 16-byte fragment);
// gfx942 keeps register loads, unrolled by 2.
// SM90-LABEL: func.func @decode_gemm1
// SM90: moe.grouped_matmul {{.*}} plan <block_n = 64, waves_n = 4, slices = 1, group = 2, row_group = 1, loads = shared_tiles, stages = 4>
// GFX942-LABEL: func.func @decode_gemm1
// GFX942: moe.grouped_matmul {{.*}} plan <block_n = 64, waves_n = 4, slices = 1, group = 1, row_group = 1, loads = registers, unroll = 2>
// GFX950-LABEL: func.func @decode_gemm1
// GFX950: moe.grouped_matmul {{.*}} plan <block_n = 64, waves_n = 4, slices = 1, group = 1, row_group = 1, loads = async_copy, stages = 6>
// REGS-LABEL: func.func @decode_gemm1
// REGS: moe.grouped_matmul {{.*}} plan <block_n = 64, waves_n = 4, slices = 1, group = 2, row_group = 1, loads = registers, unroll = 2>
func.func @decode_gemm1(%x: tensor<?x2880xbf16>, %w: tensor<128x5760x2880xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x2880xbf16> {
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 4 block_m 16 activation <swiglu_oai, layout = interleaved> tile <block_m = 16, block_n = 128> : (tensor<?x2880xbf16>, tensor<128x5760x2880xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x2880xbf16>
  return %o : tensor<?x2880xbf16>
}

// -----

// Prefill: on sm_90 the workgroup stages 64-k tiles of the 64 gathered rows
// and the 128 weight rows in shared memory (4 stages of 24 KiB), and two
// warpgroups multiply them with wgmma, 64 rows x 64 columns each (waves_n
// 2, group 8). With ldmatrix tiles (--gemm-loads=shared-tiles) 2 x 4 waves
// of 32 rows x 32 columns (row_group 2, group 4). With register loads a
// 64-row block multiplies its row tiles with each weight load, unrolled so
// that about 24 loads per lane are in flight: on sm_90 its four 16-row tiles
// (row_group 4; 8 A rows, two per tile, and 4 weight rows per step: unroll
// 2); gfx942 takes 32x32x8 MFMAs, one 32-column tile per wave and both
// 32-row tiles (row_group 2, 32 accumulators; 2 A rows and 1 weight row per
// step: unroll 8).
// SM90-LABEL: func.func @prefill_gemm2
// SM90: plan <block_n = 128, waves_n = 2, slices = 1, group = 8, row_group = 1, loads = warpgroup_tiles, stages = 4>
// SHARED-LABEL: func.func @prefill_gemm2
// SHARED: plan <block_n = 128, waves_n = 4, slices = 1, group = 4, row_group = 2, loads = shared_tiles, stages = 4>
// REGS-LABEL: func.func @prefill_gemm2
// REGS: plan <block_n = 128, waves_n = 4, slices = 1, group = 4, row_group = 4, loads = registers, unroll = 2>
// GFX942-LABEL: func.func @prefill_gemm2
// GFX942: plan <block_n = 128, waves_n = 4, slices = 1, group = 1, row_group = 2, loads = registers, unroll = 8>
func.func @prefill_gemm2(%a: tensor<?x1536xbf16>, %w: tensor<128x4096x1536xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x4096xbf16> {
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows routes top_k 8 block_m 64 tile <block_m = 64, block_n = 128> : (tensor<?x1536xbf16>, tensor<128x4096x1536xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x4096xbf16>
  return %o : tensor<?x4096xbf16>
}
