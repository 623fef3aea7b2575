func.func @align_static_result_dynamic_tokens(%ids: tensor<?x2xi32>) {
  %s, %b, %c = moe.align %ids experts 8 block_m 16 : tensor<?x2xi32> -> tensor<128xi32>, tensor<?xi32>, tensor<i32>
  return
}
