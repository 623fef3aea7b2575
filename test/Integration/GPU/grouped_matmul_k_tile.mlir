// Grouped GEMMs whose shared-tile plans take 128-k stages (k_tile = 128: a
// 256-byte run of each row a stage, swizzled as two 128-byte lines),
// checked on the GPU by check_grouped_matmul_k_tile.py against the numpy
// reference: a gated decode block, weighted 32-row blocks with more k tiles
// than stages, one k tile under a 3-stage ring, columns the tiles do not
// divide, f16, and K that the k tile does not divide (K 320 and 192: the
// last tile zero-filled past K, as gpt-oss's K = 2880 needs). The plans name shared_tiles with a k tile, so these run only
// on sm_90 (run.py). Here, statically: the PTX has the plans' copies and
// ldmatrix reads, and nothing spilled.
// REQUIRES: ptxas
// RUN: moe-compile %s --target=sm_90 --tokens=200 --emit=isa -o %t.ptx
// RUN: FileCheck %s --input-file %t.ptx
// RUN: FileCheck %s --check-prefix=CLEAN --input-file %t.ptx
// CLEAN-NOT: .local
// The check script against the CPU reference path (plans are ignored there).
// RUN: moe-compile %s -o %t.so
// RUN: %python %S/check_grouped_matmul_k_tile.py --lib %t.so --moe-run moe-run | FileCheck %s --check-prefix=CPU
// CPU: 6 passed, 0 failed
// A stage of the decode GEMM is 16 A rows and 64 weight rows (gate and up of
// 32 columns) of 16 chunks: 1280 copies over 64 threads, 20 each; a k tile
// of 128 is 8 k steps of 16, each an ldmatrix x4 of A and one of weights per
// two column tiles.
// CHECK-LABEL: // kernel gemm1_decode_grouped_matmul_0 for sm_90
// CHECK: .maxntid 64, 1, 1
// CHECK-COUNT-20: cp.async.cg.shared.global
// CHECK: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// CHECK: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK-LABEL: // kernel gemm2_weighted_grouped_matmul_1 for sm_90
// CHECK: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// CHECK-LABEL: // kernel gemm2_one_k_tile_f16_grouped_matmul_2 for sm_90
// CHECK: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// The tails: each chunk's copy asks whether its k is inside K (a setp
// before the copies' src-size selects).
// CHECK-LABEL: // kernel gemm1_k_tail_grouped_matmul_3 for sm_90
// CHECK: cp.async.cg.shared.global
// CHECK: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK-LABEL: // kernel gemm2_k_tail_f16_grouped_matmul_4 for sm_90
// CHECK: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// The rings: 2 x (16 + 64) x 128 x 2 bytes, 3 x (32 + 128) x 128 x 2.
// RUN: moe-compile %s --target=sm_90 --tokens=200 --emit=mlir -o - | FileCheck %s --check-prefix=LAUNCH
// LAUNCH: %[[DECODE:.*]] = llvm.mlir.constant(40960 : i32) : i32
// LAUNCH: gpu.launch_func {{.*}}@gemm1_decode_grouped_matmul_0 {{.*}} dynamic_shared_memory_size %[[DECODE]]
// LAUNCH: %[[WEIGHTED:.*]] = llvm.mlir.constant(122880 : i32) : i32
// LAUNCH: gpu.launch_func {{.*}}@gemm2_weighted_grouped_matmul_1 {{.*}} dynamic_shared_memory_size %[[WEIGHTED]]

func.func @gemm1_decode(%x: tensor<?x256xbf16>, %w: tensor<8x120x256xbf16>, %s: tensor<?xi32>,
                        %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x60xbf16> {
  %h = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 2 block_m 16 activation <silu_mul>
      plan <block_n = 32, waves_n = 2, slices = 1, group = 2, row_group = 1, loads = shared_tiles, stages = 2, k_tile = 128>
      : (tensor<?x256xbf16>, tensor<8x120x256xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x60xbf16>
  return %h : tensor<?x60xbf16>
}

func.func @gemm2_weighted(%a: tensor<?x384xbf16>, %w: tensor<8x200x384xbf16>, %s: tensor<?xi32>,
                          %b: tensor<?xi32>, %c: tensor<i32>, %rw: tensor<?x2xf32>) -> tensor<?x200xbf16> {
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows routes top_k 2 block_m 32 weights %rw
      plan <block_n = 128, waves_n = 4, slices = 1, group = 4, row_group = 1, loads = shared_tiles, stages = 3, k_tile = 128>
      : (tensor<?x384xbf16>, tensor<8x200x384xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>, tensor<?x2xf32>) -> tensor<?x200xbf16>
  return %o : tensor<?x200xbf16>
}

func.func @gemm2_one_k_tile_f16(%a: tensor<?x128xf16>, %w: tensor<4x64x128xf16>, %s: tensor<?xi32>,
                                %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x64xf16> {
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows routes top_k 2 block_m 16
      plan <block_n = 64, waves_n = 4, slices = 1, group = 2, row_group = 1, loads = shared_tiles, stages = 3, k_tile = 128>
      : (tensor<?x128xf16>, tensor<4x64x128xf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x64xf16>
  return %o : tensor<?x64xf16>
}

func.func @gemm1_k_tail(%x: tensor<?x320xbf16>, %w: tensor<8x120x320xbf16>, %s: tensor<?xi32>,
                        %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x60xbf16> {
  %h = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 2 block_m 16 activation <swiglu_oai, layout = interleaved>
      plan <block_n = 32, waves_n = 2, slices = 1, group = 2, row_group = 1, loads = shared_tiles, stages = 2, k_tile = 128>
      : (tensor<?x320xbf16>, tensor<8x120x320xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x60xbf16>
  return %h : tensor<?x60xbf16>
}

func.func @gemm2_k_tail_f16(%a: tensor<?x192xf16>, %w: tensor<4x64x192xf16>, %s: tensor<?xi32>,
                            %b: tensor<?xi32>, %c: tensor<i32>, %rw: tensor<?x2xf32>) -> tensor<?x64xf16> {
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows routes top_k 2 block_m 16 weights %rw
      plan <block_n = 64, waves_n = 4, slices = 1, group = 2, row_group = 1, loads = shared_tiles, stages = 3, k_tile = 128>
      : (tensor<?x192xf16>, tensor<4x64x192xf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>, tensor<?x2xf32>) -> tensor<?x64xf16>
  return %o : tensor<?x64xf16>
}
