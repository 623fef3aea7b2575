// RUN: moe-opt %s -verify-diagnostics --moe-plan-kernels="target=gfx942 gemm-loads=async-copy"

// gfx942's one asynchronous copy moves 4 bytes a lane: asking for async-copy
// loads of a prefill GEMM (128-row blocks of four 32-row tiles, 4 waves of
// 32 columns: 4 A rows and 1 weight row a lane per k step, in 4-byte
// pieces) is diagnosed with the loads that work instead.
func.func @prefill_gemm2(%a: tensor<?x1536xbf16>, %w: tensor<128x4096x1536xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x4096xbf16> {
  // expected-error @+1 {{cannot load through async copies on gfx942: not even two k steps of copies fit the LDS budget or the chip's copy sizes (expected gemm loads 'registers', found 'async-copy')}}
  %o = moe.grouped_matmul %a, %w, %s, %b, %c rows routes top_k 8 block_m 128 tile <block_m = 128, block_n = 128> : (tensor<?x1536xbf16>, tensor<128x4096x1536xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x4096xbf16>
  return %o : tensor<?x4096xbf16>
}
