// RUN: moe-opt %s -split-input-file -verify-diagnostics --moe-plan-kernels=target=sm_90

// What the GEMM kernel template cannot build is diagnosed (expected vs.
// found) where the kernel is planned, never a crash or a wrong kernel.

func.func @dynamic_experts(%x: tensor<?x64xbf16>, %w: tensor<?x64x64xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x64xbf16> {
  // expected-error @+1 {{expected static weight shapes [E, N, K] for the kernel, got 'tensor<?x64x64xbf16>'}}
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 2 block_m 16 : (tensor<?x64xbf16>, tensor<?x64x64xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x64xbf16>
  return %o : tensor<?x64xbf16>
}

// -----

func.func @dynamic_width(%x: tensor<?x64xbf16>, %w: tensor<4x64x64xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x?xbf16> {
  // expected-error @+1 {{expected a static output width for the kernel}}
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 2 block_m 16 : (tensor<?x64xbf16>, tensor<4x64x64xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x?xbf16>
  return %o : tensor<?x?xbf16>
}

// -----

func.func @f32_operands(%x: tensor<?x64xf32>, %w: tensor<4x64x64xf32>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{expected bf16 or f16 operands for the sm_90 kernel, got 'f32'}}
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 2 block_m 16 : (tensor<?x64xf32>, tensor<4x64x64xf32>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x64xf32>
  return %o : tensor<?x64xf32>
}

// -----

func.func @k_splits_a_load(%x: tensor<?x34xbf16>, %w: tensor<4x64x34xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x64xbf16> {
  // expected-error @+1 {{expected K (34) to be a multiple of 4 (the k a lane loads at once on sm_90)}}
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 2 block_m 16 : (tensor<?x34xbf16>, tensor<4x64x34xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x64xbf16>
  return %o : tensor<?x64xbf16>
}
