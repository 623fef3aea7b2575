// Grouped GEMMs with warpgroup-MMA plans (sm_90a wgmma reading the
// shared-tile ring), checked on the GPU by check_grouped_matmul_warpgroup.py
// against the numpy reference: 64-byte and 128-byte swizzles (K a multiple
// of 32 but not 64, and of 64), one or two warpgroups over the rows and the
// columns, two 64-row tiles per warpgroup, N from 16 to 256 per MMA,
// columns the tiles do not divide, gated epilogues in both layouts, the
// routed weight, f16, and a ring larger than half the SM's shared memory.
// The plans name warpgroup_tiles, so these run only on sm_90 (run.py).
// Here, statically: the PTX (sm_90a) has the MMA shapes of the plans, the
// proxy fence between the copies and the MMAs, and nothing spilled.
// REQUIRES: ptxas
// RUN: moe-compile %s --target=sm_90 --tokens=300 --emit=isa -o %t.ptx
// RUN: FileCheck %s --input-file %t.ptx
// RUN: FileCheck %s --check-prefix=CLEAN --input-file %t.ptx
// CLEAN-NOT: .local
// The check script against the CPU reference path (plans are ignored there).
// RUN: moe-compile %s -o %t.so
// RUN: %python %S/check_grouped_matmul_warpgroup.py --lib %t.so --moe-run moe-run | FileCheck %s --check-prefix=CPU
// CPU: 5 passed, 0 failed
// Each warp's copies are visible to the MMAs (async proxy) before the
// barrier. With 3 stages one k tile is copied ahead while one stage's MMAs
// are still in flight (wait_group 1); all are waited for after the loop.
// CHECK-LABEL: // kernel gemm1_split_two_column_groups_grouped_matmul_0 for sm_90
// CHECK: .target sm_90a
// CHECK: .maxntid 256, 1, 1
// CHECK: cp.async.cg.shared.global
// CHECK: wgmma.fence.sync.aligned;
// CHECK-COUNT-8: wgmma.mma_async.sync.aligned.m64n32k16.f32.bf16.bf16
// CHECK: wgmma.commit_group.sync.aligned;
// CHECK-NEXT: wgmma.wait_group.sync.aligned 1;
// CHECK: cp.async.wait_group 0;
// CHECK-NEXT: fence.proxy.async.shared::cta;
// CHECK-NEXT: bar.sync 0;
// CHECK: wgmma.wait_group.sync.aligned 0;
// CHECK-LABEL: // kernel gemm1_interleaved_f16_k96_grouped_matmul_1 for sm_90
// CHECK: .maxntid 256, 1, 1
// CHECK-COUNT-4: wgmma.mma_async.sync.aligned.m64n32k16.f32.f16.f16
// CHECK-LABEL: // kernel gemm2_weighted_two_row_tiles_grouped_matmul_2 for sm_90
// CHECK: .maxntid 128, 1, 1
// CHECK-COUNT-8: wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16
// CHECK-LABEL: // kernel gemm2_n256_grouped_matmul_3 for sm_90
// CHECK: .maxntid 128, 1, 1
// CHECK-COUNT-4: wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16
// The 4-stage ring of gemm2_weighted_two_row_tiles is more than half the
// SM's shared memory: 4 x (128 A rows + 128 weight rows) x 64 k x 2 bytes,
// and 1 KiB to align the ring's start.
// RUN: moe-compile %s --target=sm_90 --tokens=300 --emit=mlir -o - | FileCheck %s --check-prefix=LAUNCH
// LAUNCH: %[[RING:.*]] = llvm.mlir.constant(132096 : i32) : i32
// LAUNCH: gpu.launch_func {{.*}}@gemm2_weighted_two_row_tiles_grouped_matmul_2 {{.*}} dynamic_shared_memory_size %[[RING]]

func.func @gemm1_split_two_column_groups(%x: tensor<?x256xbf16>, %w: tensor<8x240x256xbf16>, %s: tensor<?xi32>,
                                         %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x120xbf16> {
  %h = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 2 block_m 64 activation <silu_mul>
      plan <block_n = 64, waves_n = 2, slices = 1, group = 4, row_group = 1, loads = warpgroup_tiles, stages = 3>
      : (tensor<?x256xbf16>, tensor<8x240x256xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x120xbf16>
  return %h : tensor<?x120xbf16>
}

func.func @gemm1_interleaved_f16_k96(%x: tensor<?x96xf16>, %w: tensor<4x64x96xf16>, %s: tensor<?xi32>,
                                     %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x32xf16> {
  %h = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 1 block_m 128
      activation <swiglu_oai, layout = interleaved>
      plan <block_n = 32, waves_n = 1, slices = 1, group = 4, row_group = 1, loads = warpgroup_tiles, stages = 2>
      : (tensor<?x96xf16>, tensor<4x64x96xf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x32xf16>
  return %h : tensor<?x32xf16>
}

func.func @gemm2_weighted_two_row_tiles(%a: tensor<?x128xbf16>, %w: tensor<8x200x128xbf16>, %s: tensor<?xi32>,
                                        %b: tensor<?xi32>, %c: tensor<i32>, %rw: tensor<?x2xf32>) -> tensor<?x200xbf16> {
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows routes top_k 2 block_m 128 weights %rw
      plan <block_n = 128, waves_n = 1, slices = 1, group = 16, row_group = 2, loads = warpgroup_tiles, stages = 4>
      : (tensor<?x128xbf16>, tensor<8x200x128xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>, tensor<?x2xf32>) -> tensor<?x200xbf16>
  return %o : tensor<?x200xbf16>
}

func.func @gemm2_n256(%a: tensor<?x192xbf16>, %w: tensor<4x512x192xbf16>, %s: tensor<?xi32>,
                      %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x512xbf16> {
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows routes top_k 2 block_m 64
      plan <block_n = 256, waves_n = 1, slices = 1, group = 32, row_group = 1, loads = warpgroup_tiles, stages = 3>
      : (tensor<?x192xbf16>, tensor<4x512x192xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x512xbf16>
  return %o : tensor<?x512xbf16>
}
