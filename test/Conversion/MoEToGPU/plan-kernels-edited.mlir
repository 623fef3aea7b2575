// RUN: moe-opt %s -split-input-file -verify-diagnostics --moe-plan-kernels=target=sm_90 | FileCheck %s

// A plan already present is kept as it is when it can run on the chip.
// CHECK-LABEL: func.func @planned
// CHECK: plan <block_n = 32, waves_n = 2, slices = 2, group = 2, row_group = 1, loads = registers, unroll = 3>
func.func @planned(%x: tensor<?x2880xbf16>, %w: tensor<128x5760x2880xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x2880xbf16> {
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 4 block_m 16 activation <swiglu_oai, layout = interleaved> plan <block_n = 32, waves_n = 2, slices = 2, group = 2, row_group = 1, loads = registers, unroll = 3> : (tensor<?x2880xbf16>, tensor<128x5760x2880xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x2880xbf16>
  return %o : tensor<?x2880xbf16>
}

// -----

// One that cannot run is diagnosed where it is planned, not later in
// the kernel build.
func.func @waves_do_not_divide(%x: tensor<?x2880xbf16>, %w: tensor<128x5760x2880xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x2880xbf16> {
  // expected-error @+1 {{has a plan that cannot run on sm_90: expected waves_n (3) to divide the 4 column tiles of block_n 32}}
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 4 block_m 16 activation <swiglu_oai, layout = interleaved> plan <block_n = 32, waves_n = 3, slices = 1, group = 1, row_group = 1, loads = registers, unroll = 1> : (tensor<?x2880xbf16>, tensor<128x5760x2880xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x2880xbf16>
  return %o : tensor<?x2880xbf16>
}

// -----

func.func @too_many_stages(%x: tensor<?x2880xbf16>, %w: tensor<128x5760x2880xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x2880xbf16> {
  // expected-error @+1 {{has a plan that cannot run on sm_90: expected at most 4 stages of async copies for this plan on sm_90, got 9}}
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 4 block_m 16 activation <swiglu_oai, layout = interleaved> plan <block_n = 64, waves_n = 4, slices = 1, group = 2, row_group = 1, loads = async_copy, stages = 9> : (tensor<?x2880xbf16>, tensor<128x5760x2880xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x2880xbf16>
  return %o : tensor<?x2880xbf16>
}

// -----

// Shared tiles: 12 stages of (64 A rows + 256 weight rows) x 32 k (or 64 k)
// do not fit the 227 KiB a workgroup may have (an edited plan may take the
// whole SM; the model's take half).
func.func @shared_stages_do_not_fit(%x: tensor<?x2880xbf16>, %w: tensor<128x5760x2880xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x2880xbf16> {
  // expected-error @+1 {{has a plan that cannot run on sm_90: expected 12 stages of shared tiles of k tile 64 or 32 to fit 232448 bytes of shared memory on an NVIDIA chip, with 2-byte elements, K (2880) a multiple of 32 (and of the k tile, unless the plan names it), and the 256 threads dividing the 16-byte chunks of a stage}}
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 4 block_m 64 activation <swiglu_oai, layout = interleaved> plan <block_n = 128, waves_n = 4, slices = 1, group = 4, row_group = 2, loads = shared_tiles, stages = 12> : (tensor<?x2880xbf16>, tensor<128x5760x2880xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x2880xbf16>
  return %o : tensor<?x2880xbf16>
}

// -----

// A k tile of 128 that the plan names may leave a tail: K = 2880 is 22.5
// such tiles, the last zero-filled past K.
// CHECK-LABEL: func.func @k_tile_with_a_tail
// CHECK: plan <block_n = 64, waves_n = 4, slices = 1, group = 2, row_group = 1, loads = shared_tiles, stages = 2, k_tile = 128>
func.func @k_tile_with_a_tail(%x: tensor<?x2880xbf16>, %w: tensor<128x5760x2880xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x2880xbf16> {
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 4 block_m 16 activation <swiglu_oai, layout = interleaved> plan <block_n = 64, waves_n = 4, slices = 1, group = 2, row_group = 1, loads = shared_tiles, stages = 2, k_tile = 128> : (tensor<?x2880xbf16>, tensor<128x5760x2880xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x2880xbf16>
  return %o : tensor<?x2880xbf16>
}

// -----

// An edited k tile of 128 is kept (K = 4096 is 32 such tiles).
// CHECK-LABEL: func.func @k_tile_kept
// CHECK: plan <block_n = 64, waves_n = 4, slices = 1, group = 2, row_group = 1, loads = shared_tiles, stages = 2, k_tile = 128>
func.func @k_tile_kept(%x: tensor<?x4096xbf16>, %w: tensor<128x768x4096xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x384xbf16> {
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 8 block_m 16 activation <silu_mul> plan <block_n = 64, waves_n = 4, slices = 1, group = 2, row_group = 1, loads = shared_tiles, stages = 2, k_tile = 128> : (tensor<?x4096xbf16>, tensor<128x768x4096xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x384xbf16>
  return %o : tensor<?x384xbf16>
}

// -----

// Shared tiles: a wave holds all its column tiles at once.
func.func @shared_group_not_all_tiles(%x: tensor<?x2880xbf16>, %w: tensor<128x5760x2880xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x2880xbf16> {
  // expected-error @+1 {{has a plan that cannot run on sm_90: expected a shared-tiles plan to have group = the 4 column tiles of a wave, slices 1 and waves of row_group x 16 rows covering block_m (64)}}
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 4 block_m 64 activation <swiglu_oai, layout = interleaved> plan <block_n = 64, waves_n = 2, slices = 1, group = 2, row_group = 2, loads = shared_tiles, stages = 2> : (tensor<?x2880xbf16>, tensor<128x5760x2880xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x2880xbf16>
  return %o : tensor<?x2880xbf16>
}

// -----

// Warpgroup tiles are 64 rows: a 32-row block has no warpgroup plan.
func.func @warpgroup_block_m_32(%x: tensor<?x2880xbf16>, %w: tensor<128x5760x2880xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x2880xbf16> {
  // expected-error @+1 {{has a plan that cannot run on sm_90: expected warpgroup tiles of 64 rows: block_m (32) a multiple of 64 and block_m / (16 x row_group) = 2 waves over the rows a multiple of 4}}
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 4 block_m 32 activation <swiglu_oai, layout = interleaved> plan <block_n = 64, waves_n = 1, slices = 1, group = 8, row_group = 1, loads = warpgroup_tiles, stages = 3> : (tensor<?x2880xbf16>, tensor<128x5760x2880xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x2880xbf16>
  return %o : tensor<?x2880xbf16>
}

// -----

// Four warpgroups (512 threads, 128 registers a lane) cannot hold 128
// accumulators a lane (block_n 128, gate and up).
func.func @warpgroup_registers(%x: tensor<?x2880xbf16>, %w: tensor<128x5760x2880xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x2880xbf16> {
  // expected-error @+1 {{has a plan that cannot run on sm_90: expected the 128 f32 accumulators of a lane and about 40 more registers to fit the 128 registers a lane has with 512 threads}}
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 4 block_m 128 activation <swiglu_oai, layout = interleaved> plan <block_n = 256, waves_n = 2, slices = 1, group = 16, row_group = 1, loads = warpgroup_tiles, stages = 2> : (tensor<?x2880xbf16>, tensor<128x5760x2880xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x2880xbf16>
  return %o : tensor<?x2880xbf16>
}
