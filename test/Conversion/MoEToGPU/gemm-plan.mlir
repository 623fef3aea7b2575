// RUN: moe-opt %s -split-input-file -verify-diagnostics --convert-moe-to-gpu-launch=target=sm_90 | FileCheck %s

// An edited plan is what the kernel does: 2 column waves x 2 K slices (128
// threads), 32 output columns per workgroup (grid y = ceil(2880 / 32)), and
// LDS for the second slice's partial sums (1 slice x 2 waves x 4 chains,
// gate and up of 2 tiles, x 4 values x 32 lanes = 1024 f32).
// CHECK-LABEL: func.func @edited
// CHECK: %[[C32:.*]] = arith.constant 32 : index
// CHECK: %[[COLS:.*]] = arith.ceildivui %{{.*}}, %[[C32]]
// CHECK: gpu.launch_func @moe_kernels::@edited_grouped_matmul_0 blocks in (%{{.*}}, %[[COLS]], %{{.*}}) threads in (%c128,
// CHECK: gpu.func @edited_grouped_matmul_0({{.*}}) workgroup(%{{.*}} : memref<1024xf32, #gpu.address_space<workgroup>> {{.*}}) kernel attributes {known_block_size = array<i32: 128, 1, 1>}
func.func @edited(%x: tensor<?x2880xbf16>, %w: tensor<128x5760x2880xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x2880xbf16> {
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 4 block_m 16 activation <swiglu_oai, layout = interleaved> plan <block_n = 32, waves_n = 2, slices = 2, group = 2, row_group = 1, loads = registers, unroll = 3> : (tensor<?x2880xbf16>, tensor<128x5760x2880xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x2880xbf16>
  return %o : tensor<?x2880xbf16>
}

// -----

func.func @waves_do_not_divide(%x: tensor<?x2880xbf16>, %w: tensor<128x5760x2880xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x2880xbf16> {
  // expected-error @+1 {{has a plan that cannot run on sm_90: expected waves_n (3) to divide the 4 column tiles of block_n 32}}
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 4 block_m 16 activation <swiglu_oai, layout = interleaved> plan <block_n = 32, waves_n = 3, slices = 1, group = 1, row_group = 1, loads = registers, unroll = 1> : (tensor<?x2880xbf16>, tensor<128x5760x2880xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x2880xbf16>
  return %o : tensor<?x2880xbf16>
}

// -----

func.func @unroll_does_not_divide(%x: tensor<?x2880xbf16>, %w: tensor<128x5760x2880xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x2880xbf16> {
  // expected-error @+1 {{has a plan that cannot run on sm_90: expected unroll (7) to divide the 45 k steps of a slice}}
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 4 block_m 16 activation <swiglu_oai, layout = interleaved> plan <block_n = 32, waves_n = 2, slices = 2, group = 2, row_group = 1, loads = registers, unroll = 7> : (tensor<?x2880xbf16>, tensor<128x5760x2880xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x2880xbf16>
  return %o : tensor<?x2880xbf16>
}

// -----

func.func @too_many_stages(%x: tensor<?x2880xbf16>, %w: tensor<128x5760x2880xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x2880xbf16> {
  // expected-error @+1 {{has a plan that cannot run on sm_90: expected at most 4 stages of async copies for this plan on sm_90, got 9}}
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 4 block_m 16 activation <swiglu_oai, layout = interleaved> plan <block_n = 64, waves_n = 4, slices = 1, group = 2, row_group = 1, loads = async_copy, stages = 9> : (tensor<?x2880xbf16>, tensor<128x5760x2880xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x2880xbf16>
  return %o : tensor<?x2880xbf16>
}

// -----

func.func @too_many_accumulators(%a: tensor<?x1536xbf16>, %w: tensor<128x4096x1536xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x4096xbf16> {
  // expected-error @+1 {{has a plan that cannot run on sm_90: expected at most 64 accumulator values per lane (row_group x group, x2 when gated, x 4 per 16x8 MMA tile), got 128}}
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows routes top_k 8 block_m 128 plan <block_n = 128, waves_n = 4, slices = 1, group = 4, row_group = 8, loads = registers, unroll = 1> : (tensor<?x1536xbf16>, tensor<128x4096x1536xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x4096xbf16>
  return %o : tensor<?x4096xbf16>
}

// -----

func.func @slices_do_not_divide(%x: tensor<?x2880xbf16>, %w: tensor<128x5760x2880xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x2880xbf16> {
  // expected-error @+1 {{has a plan that cannot run on sm_90: expected slices (4) to divide the 90 k steps of K 2880}}
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 4 block_m 16 activation <swiglu_oai, layout = interleaved> plan <block_n = 32, waves_n = 1, slices = 4, group = 1, row_group = 1, loads = registers, unroll = 1> : (tensor<?x2880xbf16>, tensor<128x5760x2880xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x2880xbf16>
  return %o : tensor<?x2880xbf16>
}

// -----

func.func @too_many_threads(%x: tensor<?x2880xbf16>, %w: tensor<128x5760x2880xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x2880xbf16> {
  // expected-error @+1 {{has a plan that cannot run on sm_90: expected at most 1024 threads (waves_n x slices x 32), got 2048}}
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 4 block_m 16 activation <swiglu_oai, layout = interleaved> plan <block_n = 512, waves_n = 64, slices = 1, group = 1, row_group = 1, loads = registers, unroll = 1> : (tensor<?x2880xbf16>, tensor<128x5760x2880xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x2880xbf16>
  return %o : tensor<?x2880xbf16>
}

// -----

// Partial sums of 4 extra slices x 4 waves x 8 chains x 4 values x 32 lanes
// in f32 are 64 KiB, past the 48 KiB of static shared memory.
func.func @too_much_lds(%x: tensor<?x2880xbf16>, %w: tensor<128x5760x2880xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x2880xbf16> {
  // expected-error @+1 {{has a plan that cannot run on sm_90: expected the plan's LDS (65536 bytes) to fit the 49152 bytes a workgroup has on sm_90}}
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 4 block_m 16 activation <swiglu_oai, layout = interleaved> plan <block_n = 128, waves_n = 4, slices = 5, group = 4, row_group = 1, loads = registers, unroll = 1> : (tensor<?x2880xbf16>, tensor<128x5760x2880xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x2880xbf16>
  return %o : tensor<?x2880xbf16>
}

// -----

// A row-dot plan: 4 waves of 16 columns (block_n 64), 8 at a time, one
// route per pass; a wave's lanes read 16-byte runs (vector<8xbf16>) of the
// weight rows, and gpu.subgroup_reduce adds their f32 sums; no MMA.
// CHECK-LABEL: func.func @row_dot
// CHECK: %[[C64:.*]] = arith.constant 64 : index
// CHECK: %[[COLS:.*]] = arith.ceildivui %{{.*}}, %[[C64]]
// CHECK: gpu.launch_func @moe_kernels::@row_dot_grouped_matmul_0 blocks in (%{{.*}}, %[[COLS]], %{{.*}}) threads in (%c128,
// CHECK: gpu.func @row_dot_grouped_matmul_0
// CHECK-NOT: nvgpu.mma
// CHECK: %[[LAST:.*]] = gpu.subgroup_reduce maxsi %{{.*}} uniform : (i32) -> i32
// CHECK: %[[END:.*]] = arith.index_cast %[[LAST]] : i32 to index
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[END]] step
// CHECK: vector.load %{{.*}} : memref<128x4096x384xbf16>, vector<8xbf16>
// CHECK: math.fma
// CHECK: gpu.subgroup_reduce add %{{.*}} uniform : (f32) -> f32
// CHECK: gpu.return
func.func @row_dot(%a: tensor<?x384xbf16>, %w: tensor<128x4096x384xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x4096xbf16> {
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows routes top_k 8 block_m 16 plan <block_n = 64, waves_n = 4, slices = 1, group = 8, row_group = 1, loads = row_dot, unroll = 1> : (tensor<?x384xbf16>, tensor<128x4096x384xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x4096xbf16>
  return %o : tensor<?x4096xbf16>
}

// -----

func.func @row_dot_columns_do_not_divide(%a: tensor<?x384xbf16>, %w: tensor<128x4096x384xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x4096xbf16> {
  // expected-error @+1 {{has a plan that cannot run on sm_90: expected block_n (48) to be a multiple of waves_n x group (4 x 8) with row_dot loads}}
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows routes top_k 8 block_m 16 plan <block_n = 48, waves_n = 4, slices = 1, group = 8, row_group = 1, loads = row_dot, unroll = 1> : (tensor<?x384xbf16>, tensor<128x4096x384xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x4096xbf16>
  return %o : tensor<?x4096xbf16>
}

// -----

// K 384 is 48 runs of 8: two per lane of a 32-lane wave.
func.func @row_dot_unroll_does_not_divide(%a: tensor<?x384xbf16>, %w: tensor<128x4096x384xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x4096xbf16> {
  // expected-error @+1 {{has a plan that cannot run on sm_90: expected unroll x slices (4 x 1) to divide the 2 runs a lane reads per weight row}}
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows routes top_k 8 block_m 16 plan <block_n = 64, waves_n = 4, slices = 1, group = 8, row_group = 1, loads = row_dot, unroll = 4> : (tensor<?x384xbf16>, tensor<128x4096x384xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x4096xbf16>
  return %o : tensor<?x4096xbf16>
}

// -----

// Two runs per lane cannot be split over three slices of waves.
func.func @row_dot_slices_do_not_divide(%a: tensor<?x384xbf16>, %w: tensor<128x4096x384xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x4096xbf16> {
  // expected-error @+1 {{has a plan that cannot run on sm_90: expected unroll x slices (1 x 3) to divide the 2 runs a lane reads per weight row}}
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows routes top_k 8 block_m 16 plan <block_n = 64, waves_n = 4, slices = 3, group = 8, row_group = 1, loads = row_dot, unroll = 1> : (tensor<?x384xbf16>, tensor<128x4096x384xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x4096xbf16>
  return %o : tensor<?x4096xbf16>
}

// -----

func.func @row_dot_too_many_registers(%x: tensor<?x4096xbf16>, %w: tensor<128x768x4096xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x384xbf16> {
  // expected-error @+1 {{has a plan that cannot run on sm_90: expected the runs and sums of a lane (2 x unroll x (group x 2 weight runs of 16 bytes + row_group A runs of 16 bytes), row_group x group x 2 f32) to take at most 128 registers, got 296}}
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 8 block_m 16 activation <silu_mul> plan <block_n = 16, waves_n = 4, slices = 1, group = 4, row_group = 1, loads = row_dot, unroll = 4> : (tensor<?x4096xbf16>, tensor<128x768x4096xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x384xbf16>
  return %o : tensor<?x384xbf16>
}

// -----

func.func @row_dot_route_groups_do_not_divide(%a: tensor<?x384xbf16>, %w: tensor<128x4096x384xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x4096xbf16> {
  // expected-error @+1 {{has a plan that cannot run on sm_90: expected row_group (3) to divide block_m (16)}}
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows routes top_k 8 block_m 16 plan <block_n = 64, waves_n = 4, slices = 1, group = 2, row_group = 3, loads = row_dot, unroll = 1> : (tensor<?x384xbf16>, tensor<128x4096x384xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x4096xbf16>
  return %o : tensor<?x4096xbf16>
}

// -----

// An mma_row_dot plan (fp4 weights with mx scales, bf16 A): 4 waves of 2
// tiles of 16 gated rows (8 output columns each: block_n 64), 8 routes a
// pass as the MMA's columns; a lane reads 16 bytes (32 codes) of two rows
// through the buffer's pointer and its route's 32 A values, widens the codes
// to bf16 pairs times 2^126 and the run's scale, and feeds mma.sync
// m16n8k16 (weights as the 16-row operand). One route tile: at most 4
// workgroups of 128 threads an SM (nvvm.minctasm).
// CHECK-LABEL: func.func @mma_row_dot
// CHECK: gpu.func @mma_row_dot_grouped_matmul_0
// CHECK-SAME: nvvm.minctasm = 4 : i32
// CHECK: llvm.load %{{.*}} {alignment = 16 : i64} : !llvm.ptr<1> -> vector<16xi8>
// CHECK: vector.load %{{.*}} : memref<?x2880xbf16>, vector<32xbf16>
// CHECK: arith.mulf %{{.*}} : vector<2xbf16>
// CHECK: nvvm.mma.sync
// CHECK-SAME: layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>
// CHECK-SAME: shape = #nvvm.shape<m = 16, n = 8, k = 16>
// CHECK: gpu.return
func.func @mma_row_dot(%x: tensor<?x2880xbf16>, %w: tensor<32x5760x2880xf4E2M1FN>, %ws: tensor<32x5760x90xf8E8M0FNU>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x2880xbf16> {
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 4 block_m 16 activation <swiglu_oai, layout = interleaved, alpha = 1.702, beta = 1.0, limit = 7.0> w_scales %ws <mx> plan <block_n = 64, waves_n = 4, slices = 1, group = 2, row_group = 8, loads = mma_row_dot, unroll = 1> : (tensor<?x2880xbf16>, tensor<32x5760x2880xf4E2M1FN>, tensor<?xi32>, tensor<?xi32>, tensor<i32>, tensor<32x5760x90xf8E8M0FNU>) -> tensor<?x2880xbf16>
  return %o : tensor<?x2880xbf16>
}

// -----

func.func @mma_row_dot_bf16_weights(%a: tensor<?x384xbf16>, %w: tensor<128x4096x384xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x4096xbf16> {
  // expected-error @+1 {{has a plan that cannot run on sm_90: expected mma_row_dot loads only on a chip with mma.sync (found sm_90) for fp4 weights with mx scales times bf16 activations without scales, or OCP fp8 weights times OCP fp8 activations with scale groups along K a multiple of 64 (found 0), no sum_routes, with K a multiple of 8 (found 384)}}
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows routes top_k 8 block_m 16 plan <block_n = 64, waves_n = 4, slices = 1, group = 1, row_group = 8, loads = mma_row_dot, unroll = 1> : (tensor<?x384xbf16>, tensor<128x4096x384xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x4096xbf16>
  return %o : tensor<?x4096xbf16>
}

// -----

func.func @mma_row_dot_columns_do_not_divide(%x: tensor<?x2880xbf16>, %w: tensor<32x2880x2880xf4E2M1FN>, %ws: tensor<32x2880x90xf8E8M0FNU>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x2880xbf16> {
  // expected-error @+1 {{has a plan that cannot run on sm_90: expected block_n (48) to be a multiple of waves_n x group x 16 output columns a tile (4 x 2) with mma_row_dot loads}}
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows routes top_k 4 block_m 16 w_scales %ws <mx> plan <block_n = 48, waves_n = 4, slices = 1, group = 2, row_group = 8, loads = mma_row_dot, unroll = 1> : (tensor<?x2880xbf16>, tensor<32x2880x2880xf4E2M1FN>, tensor<?xi32>, tensor<?xi32>, tensor<i32>, tensor<32x2880x90xf8E8M0FNU>) -> tensor<?x2880xbf16>
  return %o : tensor<?x2880xbf16>
}

// -----

func.func @mma_row_dot_routes_not_tiles(%x: tensor<?x2880xbf16>, %w: tensor<32x2880x2880xf4E2M1FN>, %ws: tensor<32x2880x90xf8E8M0FNU>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x2880xbf16> {
  // expected-error @+1 {{has a plan that cannot run on sm_90: expected row_group (4) to be a multiple of the MMA's 8 columns with mma_row_dot loads}}
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows routes top_k 4 block_m 16 w_scales %ws <mx> plan <block_n = 128, waves_n = 4, slices = 1, group = 2, row_group = 4, loads = mma_row_dot, unroll = 1> : (tensor<?x2880xbf16>, tensor<32x2880x2880xf4E2M1FN>, tensor<?xi32>, tensor<?xi32>, tensor<i32>, tensor<32x2880x90xf8E8M0FNU>) -> tensor<?x2880xbf16>
  return %o : tensor<?x2880xbf16>
}

// -----

func.func @mma_row_dot_too_many_registers(%x: tensor<?x2880xbf16>, %w: tensor<32x2880x2880xf4E2M1FN>, %ws: tensor<32x2880x90xf8E8M0FNU>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x2880xbf16> {
  // expected-error @+1 {{has a plan that cannot run on sm_90: expected the runs, scales and sums of an mma_row_dot lane (2 x unroll x group x 2 x 4 weight runs + 2 x unroll x group x 2 scales + unroll x row_group / 8 x 16 A runs + group x row_group / 8 x 4 sums) to take at most 128 registers, got 160}}
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows routes top_k 4 block_m 16 w_scales %ws <mx> plan <block_n = 128, waves_n = 4, slices = 1, group = 2, row_group = 16, loads = mma_row_dot, unroll = 2> : (tensor<?x2880xbf16>, tensor<32x2880x2880xf4E2M1FN>, tensor<?xi32>, tensor<?xi32>, tensor<i32>, tensor<32x2880x90xf8E8M0FNU>) -> tensor<?x2880xbf16>
  return %o : tensor<?x2880xbf16>
}

// -----

// An fp8 mma_row_dot plan (OCP fp8 weights in 128x128 blocks times fp8 A
// per token group of 128): a lane reads 16 bytes (16 k) of two weight rows
// and of its route's A row and feeds them to mma.sync m16n8k32 e4m3 as
// loaded (the LLVM intrinsic: the NVVM dialect has no dense fp8 mma.sync);
// each step's sums are added times their row's and route's scales.
// CHECK-LABEL: func.func @fp8_mma_row_dot
// CHECK: gpu.func @fp8_mma_row_dot_grouped_matmul_0
// CHECK: vector.load %{{.*}} : memref<32x512x7168xf8E4M3FN>, vector<16xf8E4M3FN>
// CHECK: vector.load %{{.*}} : memref<?x7168xf8E4M3FN>, vector<16xf8E4M3FN>
// CHECK: llvm.call_intrinsic "llvm.nvvm.mma.m16n8k32.row.col.f32.e4m3.e4m3.f32"
// CHECK: arith.mulf
// CHECK: gpu.return
func.func @fp8_mma_row_dot(%x: tensor<?x7168xf8E4M3FN>, %w: tensor<32x512x7168xf8E4M3FN>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>, %xs: tensor<?x56xf32>, %ws: tensor<32x4x56xf32>) -> tensor<?x256xbf16> {
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 8 block_m 16 activation <silu_mul> a_scales %xs <block [1, 128]> w_scales %ws <block [128, 128]> plan <block_n = 32, waves_n = 2, slices = 2, group = 2, row_group = 8, loads = mma_row_dot, unroll = 1> : (tensor<?x7168xf8E4M3FN>, tensor<32x512x7168xf8E4M3FN>, tensor<?xi32>, tensor<?xi32>, tensor<i32>, tensor<?x56xf32>, tensor<32x4x56xf32>) -> tensor<?x256xbf16>
  return %o : tensor<?x256xbf16>
}

// -----

// The same plan with its runs staged through LDS: each lane copies its
// 16-byte weight and A runs with cp.async into its private slots of 3
// stages (workgroup buffers of [slot][wave][lane][16] fp8: 5 slots of 4
// waves), 2 steps ahead, and reads them back for the MMAs.
// CHECK-LABEL: func.func @fp8_mma_row_dot_staged
// CHECK: gpu.func @fp8_mma_row_dot_staged_grouped_matmul_0
// CHECK-SAME: workgroup(%{{.*}} : memref<512xf32, #gpu.address_space<workgroup>> {{.*}}, %{{.*}} : memref<10240xf8E4M3FN, #gpu.address_space<workgroup>> {{.*}}, %{{.*}} : memref<10240xf8E4M3FN, #gpu.address_space<workgroup>> {{.*}}, %{{.*}} : memref<10240xf8E4M3FN, #gpu.address_space<workgroup>> {{.*}})
// CHECK: nvgpu.device_async_copy %{{.*}} : memref<32x512x7168xf8E4M3FN> to memref<10240xf8E4M3FN, #gpu.address_space<workgroup>>
// CHECK: nvgpu.device_async_copy %{{.*}} : memref<?x7168xf8E4M3FN> to memref<10240xf8E4M3FN, #gpu.address_space<workgroup>>
// CHECK: nvgpu.device_async_wait
// CHECK: vector.load %{{.*}} : memref<10240xf8E4M3FN, #gpu.address_space<workgroup>>, vector<16xf8E4M3FN>
// CHECK: llvm.call_intrinsic "llvm.nvvm.mma.m16n8k32.row.col.f32.e4m3.e4m3.f32"
// CHECK: gpu.return
func.func @fp8_mma_row_dot_staged(%x: tensor<?x7168xf8E4M3FN>, %w: tensor<32x512x7168xf8E4M3FN>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>, %xs: tensor<?x56xf32>, %ws: tensor<32x4x56xf32>) -> tensor<?x256xbf16> {
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 8 block_m 16 activation <silu_mul> a_scales %xs <block [1, 128]> w_scales %ws <block [128, 128]> plan <block_n = 32, waves_n = 2, slices = 2, group = 2, row_group = 8, loads = mma_row_dot, stages = 3, unroll = 1> : (tensor<?x7168xf8E4M3FN>, tensor<32x512x7168xf8E4M3FN>, tensor<?xi32>, tensor<?xi32>, tensor<i32>, tensor<?x56xf32>, tensor<32x4x56xf32>) -> tensor<?x256xbf16>
  return %o : tensor<?x256xbf16>
}

// -----

// Stages take fp8 runs only, as many as the LDS holds (9 do not fit).
func.func @fp8_mma_row_dot_too_many_stages(%x: tensor<?x7168xf8E4M3FN>, %w: tensor<32x512x7168xf8E4M3FN>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>, %xs: tensor<?x56xf32>, %ws: tensor<32x4x56xf32>) -> tensor<?x256xbf16> {
  // expected-error @+1 {{expected mma_row_dot stages (9) only for fp8 weights, at least 2 and at most the}}
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 8 block_m 16 activation <silu_mul> a_scales %xs <block [1, 128]> w_scales %ws <block [128, 128]> plan <block_n = 32, waves_n = 2, slices = 2, group = 2, row_group = 8, loads = mma_row_dot, stages = 9, unroll = 1> : (tensor<?x7168xf8E4M3FN>, tensor<32x512x7168xf8E4M3FN>, tensor<?xi32>, tensor<?xi32>, tensor<i32>, tensor<?x56xf32>, tensor<32x4x56xf32>) -> tensor<?x256xbf16>
  return %o : tensor<?x256xbf16>
}

// -----

// MXFP8 (scales per 32 k) does not fit an fp8 mma_row_dot step of 64 k.
func.func @fp8_mma_row_dot_mx(%x: tensor<?x256xf8E4M3FN>, %w: tensor<8x256x256xf8E4M3FN>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>, %xs: tensor<?x8xf8E8M0FNU>, %ws: tensor<8x256x8xf8E8M0FNU>) -> tensor<?x256xbf16> {
  // expected-error @+1 {{has a plan that cannot run on sm_90: expected mma_row_dot loads only on a chip with mma.sync (found sm_90) for fp4 weights with mx scales times bf16 activations without scales, or OCP fp8 weights times OCP fp8 activations with scale groups along K a multiple of 64 (found 32), no sum_routes, with K a multiple of 16 (found 256)}}
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows routes top_k 2 block_m 16 a_scales %xs <mx> w_scales %ws <mx> plan <block_n = 64, waves_n = 4, slices = 1, group = 1, row_group = 8, loads = mma_row_dot, unroll = 1> : (tensor<?x256xf8E4M3FN>, tensor<8x256x256xf8E4M3FN>, tensor<?xi32>, tensor<?xi32>, tensor<i32>, tensor<?x8xf8E8M0FNU>, tensor<8x256x8xf8E8M0FNU>) -> tensor<?x256xbf16>
  return %o : tensor<?x256xbf16>
}

// -----

// Two runs a step (128 k) do not fit scale groups of 64 k.
func.func @fp8_mma_row_dot_step_past_scale_group(%x: tensor<?x256xf8E4M3FN>, %w: tensor<8x256x256xf8E4M3FN>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>, %xs: tensor<?x4xf32>, %ws: tensor<8x256xf32>) -> tensor<?x256xbf16> {
  // expected-error @+1 {{has a plan that cannot run on sm_90: expected the scale groups along K (64 elements) to be a multiple of the 128 k of an fp8 mma_row_dot step (4 lanes x 16 x unroll 2)}}
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows routes top_k 2 block_m 16 a_scales %xs <block [1, 64]> w_scales %ws <per_row> plan <block_n = 64, waves_n = 4, slices = 1, group = 1, row_group = 8, loads = mma_row_dot, unroll = 2> : (tensor<?x256xf8E4M3FN>, tensor<8x256x256xf8E4M3FN>, tensor<?xi32>, tensor<?xi32>, tensor<i32>, tensor<?x4xf32>, tensor<8x256xf32>) -> tensor<?x256xbf16>
  return %o : tensor<?x256xbf16>
}
