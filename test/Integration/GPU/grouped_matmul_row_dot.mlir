// Grouped GEMMs with row-dot plans (decode without MMAs: each wave's lanes
// read contiguous 16-byte runs of weight rows and add their dot products
// with gpu.subgroup_reduce), checked on the GPU by
// check_grouped_matmul_row_dot.py against the numpy reference: several runs
// per lane unrolled, a K whose last round masks lanes (K 200, K 384 on
// 32-lane waves), output columns the workgroups do not divide, routes taken
// one, two and four at a time (blocks with many routes: several passes),
// gated epilogues in both layouts, the routed weight and f16; a row's runs
// split over two waves (slices); and route
// order summing each token's routes (sum_routes: a lane's runs cross from
// one route's weight rows to the next's, a run's expert and weight taken
// from the lane that holds its route).
// Here, statically: the PTX (sm_90) has no MMA, 16-byte weight loads and
// the shuffles of the reduction; the gfx942 ISA neither MFMAs nor spills.
// REQUIRES: ptxas
// RUN: moe-compile %s --target=sm_90 --tokens=1 --emit=isa -o %t.ptx
// RUN: FileCheck %s --input-file %t.ptx
// RUN: FileCheck %s --check-prefix=CLEAN --input-file %t.ptx
// CLEAN-NOT: .local
// CLEAN-NOT: mma.sync
// RUN: moe-compile %s --target=gfx942 --tokens=1 --emit=isa -o %t.s
// RUN: FileCheck %s --check-prefix=AMD --input-file %t.s
// AMD-NOT: v_mfma
// AMD-NOT: scratch_
// AMD: .vgpr_spill_count: 0
// The check script against the CPU reference path (plans are ignored there).
// RUN: moe-compile %s -o %t.so
// RUN: %python %S/check_grouped_matmul_row_dot.py --lib %t.so --moe-run moe-run | FileCheck %s --check-prefix=CPU
// CPU: 14 passed, 0 failed
// K 2048 = 8 runs of 8 per lane, 4 at once: each iteration loads 4 runs of
// the gate and up rows of 2 columns and of the route's A row before the
// multiply-adds; the wave's sums meet in butterfly shuffles.
// CHECK-LABEL: // kernel gemm1_split_k2048_grouped_matmul_0 for sm_90
// CHECK: .maxntid 128, 1, 1
// CHECK-COUNT-20: ld.global.v4.b32
// CHECK: fma.rn.f32
// CHECK: shfl.sync.bfly.b32
// CHECK-LABEL: // kernel gemm2_weighted_k384_grouped_matmul_2 for sm_90
// CHECK: .maxntid 128, 1, 1
// CHECK-LABEL: // kernel gemm2_row_group4_grouped_matmul_3 for sm_90
// CHECK: .maxntid 64, 1, 1
// sum_routes: 8 routes x K 384 = 12 runs of 8 per lane, one a step; each
// run's expert and weight come from its route's lane.
// CHECK-LABEL: // kernel gemm2_summed_k384_grouped_matmul_4 for sm_90
// CHECK: .maxntid 128, 1, 1
// CHECK: shfl.sync.idx.b32
// CHECK: ld.global.v4.b32
// CHECK: fma.rn.f32
// CHECK: shfl.sync.bfly.b32
// K slices: two waves split a row's runs, their sums meet in
// shared memory between two barriers.
// CHECK-LABEL: // kernel gemm1_split_k2048_slices_grouped_matmul_6 for sm_90
// CHECK: .maxntid 128, 1, 1
// CHECK: .shared
// CHECK: bar.sync
// CHECK-LABEL: // kernel gemm2_summed_k384_slices_grouped_matmul_7 for sm_90
// CHECK: .maxntid 128, 1, 1
// CHECK: shfl.sync.idx.b32
// CHECK: bar.sync

func.func @gemm1_split_k2048(%x: tensor<?x2048xbf16>, %w: tensor<8x96x2048xbf16>, %s: tensor<?xi32>,
                             %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x48xbf16> {
  %h = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 2 block_m 16 activation <silu_mul>
      plan <block_n = 16, waves_n = 4, slices = 1, group = 2, row_group = 1, loads = row_dot, unroll = 2>
      : (tensor<?x2048xbf16>, tensor<8x96x2048xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x48xbf16>
  return %h : tensor<?x48xbf16>
}

func.func @gemm1_interleaved_f16_k200(%x: tensor<?x200xf16>, %w: tensor<4x64x200xf16>, %s: tensor<?xi32>,
                                      %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x32xf16> {
  %h = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 1 block_m 16
      activation <swiglu_oai, layout = interleaved>
      plan <block_n = 12, waves_n = 4, slices = 1, group = 3, row_group = 2, loads = row_dot, unroll = 1>
      : (tensor<?x200xf16>, tensor<4x64x200xf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x32xf16>
  return %h : tensor<?x32xf16>
}

func.func @gemm2_weighted_k384(%a: tensor<?x384xbf16>, %w: tensor<8x200x384xbf16>, %s: tensor<?xi32>,
                               %b: tensor<?xi32>, %c: tensor<i32>, %rw: tensor<?x2xf32>) -> tensor<?x200xbf16> {
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows routes top_k 2 block_m 16 weights %rw
      plan <block_n = 64, waves_n = 4, slices = 1, group = 8, row_group = 1, loads = row_dot, unroll = 1>
      : (tensor<?x384xbf16>, tensor<8x200x384xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>, tensor<?x2xf32>) -> tensor<?x200xbf16>
  return %o : tensor<?x200xbf16>
}

func.func @gemm2_row_group4(%a: tensor<?x256xbf16>, %w: tensor<4x64x256xbf16>, %s: tensor<?xi32>,
                            %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x64xbf16> {
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows routes top_k 2 block_m 32
      plan <block_n = 4, waves_n = 2, slices = 1, group = 2, row_group = 4, loads = row_dot, unroll = 1>
      : (tensor<?x256xbf16>, tensor<4x64x256xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x64xbf16>
  return %o : tensor<?x64xbf16>
}

// Qwen3's GEMM2 shape, smaller: 8 routes of K 384 over 32 experts, 200
// columns (the last workgroup's masked), the model's plan.
func.func @gemm2_summed_k384(%a: tensor<?x384xbf16>, %w: tensor<32x200x384xbf16>,
                             %ids: tensor<?x8xi32>, %rw: tensor<?x8xf32>) -> tensor<?x200xbf16> {
  %o = moe.grouped_matmul %a, %w route_ids %ids rows routes top_k 8 block_m 1 weights %rw sum_routes
      : (tensor<?x384xbf16>, tensor<32x200x384xbf16>, tensor<?x8xi32>, tensor<?x8xf32>) -> tensor<?x200xbf16>
  return %o : tensor<?x200xbf16>
}

// 3 routes of K 200 (f16): 600 k = 75 runs, 3 rounds of a 32-lane wave, the
// last one masked; one column per wave; no weights.
func.func @gemm2_summed_k200_f16(%a: tensor<?x200xf16>, %w: tensor<6x40x200xf16>,
                                 %ids: tensor<?x3xi32>) -> tensor<?x40xf16> {
  %o = moe.grouped_matmul %a, %w route_ids %ids rows routes top_k 3 block_m 1 sum_routes
      plan <block_n = 2, waves_n = 2, slices = 1, group = 1, row_group = 1, loads = row_dot, unroll = 1>
      : (tensor<?x200xf16>, tensor<6x40x200xf16>, tensor<?x3xi32>) -> tensor<?x40xf16>
  return %o : tensor<?x40xf16>
}

// The K 2048 GEMM1 with its runs split over two slices of waves.
func.func @gemm1_split_k2048_slices(%x: tensor<?x2048xbf16>, %w: tensor<8x96x2048xbf16>, %s: tensor<?xi32>,
                                    %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x48xbf16> {
  %h = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 2 block_m 16 activation <silu_mul>
      plan <block_n = 4, waves_n = 2, slices = 2, group = 1, row_group = 1, loads = row_dot, unroll = 2>
      : (tensor<?x2048xbf16>, tensor<8x96x2048xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x48xbf16>
  return %h : tensor<?x48xbf16>
}

// The summed Qwen3-like GEMM2 with each column's runs over two waves.
func.func @gemm2_summed_k384_slices(%a: tensor<?x384xbf16>, %w: tensor<32x200x384xbf16>,
                                    %ids: tensor<?x8xi32>, %rw: tensor<?x8xf32>) -> tensor<?x200xbf16> {
  %o = moe.grouped_matmul %a, %w route_ids %ids rows routes top_k 8 block_m 1 weights %rw sum_routes
      plan <block_n = 4, waves_n = 2, slices = 2, group = 2, row_group = 1, loads = row_dot, unroll = 1>
      : (tensor<?x384xbf16>, tensor<32x200x384xbf16>, tensor<?x8xi32>, tensor<?x8xf32>) -> tensor<?x200xbf16>
  return %o : tensor<?x200xbf16>
}
