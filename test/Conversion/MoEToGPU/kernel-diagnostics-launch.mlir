// RUN: moe-opt %s -split-input-file -verify-diagnostics --convert-moe-to-gpu-launch=target=sm_90

// What the gate and elementwise kernel templates cannot build is diagnosed
// (expected vs. found), never a crash or a wrong kernel. (Ranks above 2 are
// collapsed to rank 2 before the kernels are built; rank 1 has no kernel.)

func.func @many_groups(%logits: tensor<?x256xf32>) -> (tensor<?x8xf32>, tensor<?x8xi32>) {
  // expected-error @+1 {{expected n_group <= 64 for the kernel, got 128}}
  %w, %ids = moe.gate %logits top_k 8 sigmoid renormalize groups 128 keep 4 : tensor<?x256xf32> -> tensor<?x8xf32>, tensor<?x8xi32>
  return %w, %ids : tensor<?x8xf32>, tensor<?x8xi32>
}

// -----

func.func @too_many_experts(%logits: tensor<?x4096xf32>) -> (tensor<?x8xf32>, tensor<?x8xi32>) {
  // expected-error @+1 {{expected a static expert count <= 2048 for the kernel, got 'tensor<?x4096xf32>'}}
  %w, %ids = moe.gate %logits top_k 8 softmax : tensor<?x4096xf32> -> tensor<?x8xf32>, tensor<?x8xi32>
  return %w, %ids : tensor<?x8xf32>, tensor<?x8xi32>
}

// -----

func.func @rank1(%a: tensor<128xbf16>) -> tensor<64xbf16> {
  // expected-error @+1 {{has no kernel template for rank 1 yet (expected rank 2)}}
  %x = moe.activation %a <silu_mul> : tensor<128xbf16> -> tensor<64xbf16>
  return %x : tensor<64xbf16>
}
