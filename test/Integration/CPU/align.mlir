// moe.align against the numpy reference: random routes, every route to one
// expert, experts with no route, block_m larger than all routes, an expert
// range (EP) with dropped routes, T = 1 and the same entry at several T; ids
// outside [0, E) (or the range's total_experts) are errors. On
// GPU targets T*k > 1024 routes take the chunked kernels (several
// workgroups; more experts than threads in align_wide).
// RUN: moe-compile %s -o %t.so
// RUN: %python %S/check_align.py --lib %t.so --moe-run moe-run | FileCheck %s
// CHECK: {{^[0-9]+}} passed, 0 failed

func.func @align16(%ids: tensor<?x4xi32>) -> (tensor<?xi32>, tensor<?xi32>, tensor<i32>) {
  %s, %b, %c = moe.align %ids experts 8 block_m 16 : tensor<?x4xi32> -> tensor<?xi32>, tensor<?xi32>, tensor<i32>
  return %s, %b, %c : tensor<?xi32>, tensor<?xi32>, tensor<i32>
}

// vLLM's worked example (T = 4, k = 3), with block_m 16 and 5 experts.
func.func @align_vllm(%ids: tensor<4x3xi32>) -> (tensor<96xi32>, tensor<6xi32>, tensor<i32>) {
  %s, %b, %c = moe.align %ids experts 5 block_m 16 : tensor<4x3xi32> -> tensor<96xi32>, tensor<6xi32>, tensor<i32>
  return %s, %b, %c : tensor<96xi32>, tensor<6xi32>, tensor<i32>
}

func.func @align_big_block(%ids: tensor<2x2xi32>) -> (tensor<256xi32>, tensor<4xi32>, tensor<i32>) {
  %s, %b, %c = moe.align %ids experts 4 block_m 64 : tensor<2x2xi32> -> tensor<256xi32>, tensor<4xi32>, tensor<i32>
  return %s, %b, %c : tensor<256xi32>, tensor<4xi32>, tensor<i32>
}

func.func @align_range_total(%ids: tensor<?x2xi32>, %begin: index) -> (tensor<?xi32>, tensor<?xi32>, tensor<i32>) {
  %s, %b, %c = moe.align %ids experts 4 block_m 16 range %begin {total_experts = 16 : i64} : tensor<?x2xi32> -> tensor<?xi32>, tensor<?xi32>, tensor<i32>
  return %s, %b, %c : tensor<?xi32>, tensor<?xi32>, tensor<i32>
}

func.func @align_range(%ids: tensor<?x2xi32>, %begin: index) -> (tensor<?xi32>, tensor<?xi32>, tensor<i32>) {
  %s, %b, %c = moe.align %ids experts 4 block_m 16 range %begin : tensor<?x2xi32> -> tensor<?xi32>, tensor<?xi32>, tensor<i32>
  return %s, %b, %c : tensor<?xi32>, tensor<?xi32>, tensor<i32>
}

func.func @align_wide(%ids: tensor<?x8xi32>) -> (tensor<?xi32>, tensor<?xi32>, tensor<i32>) {
  %s, %b, %c = moe.align %ids experts 160 block_m 32 : tensor<?x8xi32> -> tensor<?xi32>, tensor<?xi32>, tensor<i32>
  return %s, %b, %c : tensor<?xi32>, tensor<?xi32>, tensor<i32>
}
