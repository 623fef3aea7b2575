// moe.grouped_matmul against the numpy reference, on blocks from the
// reference align: GEMM1 (rows tokens) with each gated epilogue and layout,
// GEMM2 (rows routes) with the routed weight, f16, and pruned routes (zero);
// route order (route_ids, block_m 1) and its report of bad ids; route order
// summing each token's routes (sum_routes), with and without weights; expert
// biases in both forms.
// RUN: moe-compile %s -o %t.so
// RUN: %python %S/check_grouped_matmul.py --lib %t.so --moe-run moe-run | FileCheck %s
// CHECK: {{^[0-9]+}} passed, 0 failed

func.func @gemm1_silu(%x: tensor<?x32xbf16>, %w: tensor<8x48x32xbf16>, %s: tensor<?xi32>,
                      %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x24xbf16> {
  %h = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 2 block_m 16 activation <silu_mul>
      : (tensor<?x32xbf16>, tensor<8x48x32xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x24xbf16>
  return %h : tensor<?x24xbf16>
}

func.func @gemm1_swiglu_weighted(%x: tensor<5x32xbf16>, %w: tensor<4x32x32xbf16>, %s: tensor<?xi32>,
                                 %b: tensor<?xi32>, %c: tensor<i32>, %rw: tensor<5x3xf32>) -> tensor<15x16xbf16> {
  %h = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 3 block_m 16 weights %rw
      activation <swiglu_oai, layout = interleaved>
      : (tensor<5x32xbf16>, tensor<4x32x32xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>, tensor<5x3xf32>) -> tensor<15x16xbf16>
  return %h : tensor<15x16xbf16>
}

func.func @gemm2_weighted(%a: tensor<?x24xbf16>, %w: tensor<8x32x24xbf16>, %s: tensor<?xi32>,
                          %b: tensor<?xi32>, %c: tensor<i32>, %rw: tensor<?x2xf32>) -> tensor<?x32xbf16> {
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows routes top_k 2 block_m 16 weights %rw
      : (tensor<?x24xbf16>, tensor<8x32x24xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>, tensor<?x2xf32>) -> tensor<?x32xbf16>
  return %o : tensor<?x32xbf16>
}

func.func @gemm_f16_block32(%x: tensor<4x16xf16>, %w: tensor<4x8x16xf16>, %s: tensor<?xi32>,
                            %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<8x8xf16> {
  %h = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 2 block_m 32
      : (tensor<4x16xf16>, tensor<4x8x16xf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<8x8xf16>
  return %h : tensor<8x8xf16>
}

// A narrow tile (block_n = 32 weight rows, 16 gated outputs) with K = 128:
// on GPUs the workgroup's waves split K and add their partial sums in LDS.
func.func @gemm1_narrow_sliced_k(%x: tensor<?x128xbf16>, %w: tensor<8x64x128xbf16>, %s: tensor<?xi32>,
                                 %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x32xbf16> {
  %h = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 2 block_m 16 activation <silu_mul>
      tile <block_m = 16, block_n = 32>
      : (tensor<?x128xbf16>, tensor<8x64x128xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x32xbf16>
  return %h : tensor<?x32xbf16>
}

// Prefill blocks (block_m >= 32): on sm_90 the whole workgroup stages the
// gathered rows and the weight rows in shared memory (loads shared_tiles).
// Widths that the column tiles do not divide (120, 200), K tiles of 64 and
// 32, fewer k tiles than stages, padded blocks, f16.
func.func @gemm1_prefill_split(%x: tensor<?x256xbf16>, %w: tensor<8x240x256xbf16>, %s: tensor<?xi32>,
                               %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x120xbf16> {
  %h = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 2 block_m 64 activation <silu_mul>
      : (tensor<?x256xbf16>, tensor<8x240x256xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x120xbf16>
  return %h : tensor<?x120xbf16>
}

func.func @gemm2_prefill_weighted(%a: tensor<?x128xbf16>, %w: tensor<8x200x128xbf16>, %s: tensor<?xi32>,
                                  %b: tensor<?xi32>, %c: tensor<i32>, %rw: tensor<?x2xf32>) -> tensor<?x200xbf16> {
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows routes top_k 2 block_m 32 weights %rw
      tile <block_m = 32, block_n = 128>
      : (tensor<?x128xbf16>, tensor<8x200x128xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>, tensor<?x2xf32>) -> tensor<?x200xbf16>
  return %o : tensor<?x200xbf16>
}

func.func @gemm1_prefill_interleaved_f16(%x: tensor<?x96xf16>, %w: tensor<4x64x96xf16>, %s: tensor<?xi32>,
                                         %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x32xf16> {
  %h = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 1 block_m 128
      activation <swiglu_oai, layout = interleaved>
      : (tensor<?x96xf16>, tensor<4x64x96xf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x32xf16>
  return %h : tensor<?x32xf16>
}

func.func @route_gemm1_silu(%x: tensor<?x32xbf16>, %w: tensor<8x48x32xbf16>,
                            %ids: tensor<?x2xi32>) -> tensor<?x24xbf16> {
  %h = moe.grouped_matmul %x, %w route_ids %ids rows tokens top_k 2 block_m 1
      activation <silu_mul>
      : (tensor<?x32xbf16>, tensor<8x48x32xbf16>, tensor<?x2xi32>) -> tensor<?x24xbf16>
  return %h : tensor<?x24xbf16>
}

func.func @route_gemm2_weighted(%a: tensor<?x24xbf16>, %w: tensor<8x32x24xbf16>,
                                %ids: tensor<?x2xi32>, %rw: tensor<?x2xf32>) -> tensor<?x32xbf16> {
  %o = moe.grouped_matmul %a, %w route_ids %ids rows routes top_k 2 block_m 1 weights %rw
      : (tensor<?x24xbf16>, tensor<8x32x24xbf16>, tensor<?x2xi32>, tensor<?x2xf32>) -> tensor<?x32xbf16>
  return %o : tensor<?x32xbf16>
}

func.func @route_gemm2_summed(%a: tensor<?x24xbf16>, %w: tensor<8x32x24xbf16>,
                              %ids: tensor<?x2xi32>, %rw: tensor<?x2xf32>) -> tensor<?x32xbf16> {
  %o = moe.grouped_matmul %a, %w route_ids %ids rows routes top_k 2 block_m 1 weights %rw sum_routes
      : (tensor<?x24xbf16>, tensor<8x32x24xbf16>, tensor<?x2xi32>, tensor<?x2xf32>) -> tensor<?x32xbf16>
  return %o : tensor<?x32xbf16>
}

func.func @route_gemm2_summed_unweighted_f16(%a: tensor<?x40xf16>, %w: tensor<6x24x40xf16>,
                                             %ids: tensor<?x3xi32>) -> tensor<?x24xf16> {
  %o = moe.grouped_matmul %a, %w route_ids %ids rows routes top_k 3 block_m 1 sum_routes
      : (tensor<?x40xf16>, tensor<6x24x40xf16>, tensor<?x3xi32>) -> tensor<?x24xf16>
  return %o : tensor<?x24xf16>
}

func.func @gemm1_swiglu_weighted_bias(%x: tensor<5x32xbf16>, %w: tensor<4x32x32xbf16>, %s: tensor<?xi32>,
                                      %b: tensor<?xi32>, %c: tensor<i32>, %rw: tensor<5x3xf32>,
                                      %bias: tensor<4x32xbf16>) -> tensor<15x16xbf16> {
  %h = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 3 block_m 16 weights %rw bias %bias
      activation <swiglu_oai, layout = interleaved>
      : (tensor<5x32xbf16>, tensor<4x32x32xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>, tensor<5x3xf32>,
         tensor<4x32xbf16>) -> tensor<15x16xbf16>
  return %h : tensor<15x16xbf16>
}

func.func @route_gemm2_summed_bias(%a: tensor<?x24xbf16>, %w: tensor<8x32x24xbf16>,
                                   %ids: tensor<?x2xi32>, %rw: tensor<?x2xf32>,
                                   %bias: tensor<8x32xf32>) -> tensor<?x32xbf16> {
  %o = moe.grouped_matmul %a, %w route_ids %ids rows routes top_k 2 block_m 1 weights %rw bias %bias sum_routes
      : (tensor<?x24xbf16>, tensor<8x32x24xbf16>, tensor<?x2xi32>, tensor<?x2xf32>, tensor<8x32xf32>) -> tensor<?x32xbf16>
  return %o : tensor<?x32xbf16>
}
