// RUN: moe-opt %s -split-input-file -verify-diagnostics --convert-moe-to-gpu-launch=target=gfx942 | FileCheck %s

// On AMD a block of 32+ rows and output columns multiplies 32x32 MFMA tiles
// of 16 accumulators a lane: a hand-written plan whose row_group x chains
// fits 16x16 tiles (2 x 4 x 4 = 32 values) holds 128 with them, past the
// 64 a lane may keep.
func.func @mfma32_accumulators(%x: tensor<?x4096xbf16>, %w: tensor<128x3072x4096xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x1536xbf16> {
  // expected-error @+1 {{has a plan that cannot run on gfx942: expected at most 64 accumulator values per lane (row_group x group, x2 when gated, x 16 per 32x32 MMA tile), got 128}}
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 8 block_m 64 activation <silu_mul, layout = split> plan <block_n = 64, waves_n = 1, slices = 1, group = 2, row_group = 2, loads = registers, unroll = 1> : (tensor<?x4096xbf16>, tensor<128x3072x4096xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x1536xbf16>
  return %o : tensor<?x1536xbf16>
}

// -----

// The same block with one 32-column tile a chain (32 values) builds: its
// kernel multiplies with 32x32x8 MFMAs (16 accumulators each).
// CHECK-LABEL: gpu.func @mfma32_fits
// CHECK: amdgpu.mfma 32x32x8 {{.*}} vector<16xf32>
// CHECK-NOT: amdgpu.mfma 16x16x16
func.func @mfma32_fits(%x: tensor<?x4096xbf16>, %w: tensor<128x3072x4096xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x1536xbf16> {
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 8 block_m 64 activation <silu_mul, layout = split> plan <block_n = 64, waves_n = 2, slices = 1, group = 1, row_group = 1, loads = registers, unroll = 1> : (tensor<?x4096xbf16>, tensor<128x3072x4096xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x1536xbf16>
  return %o : tensor<?x1536xbf16>
}
