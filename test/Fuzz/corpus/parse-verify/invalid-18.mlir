func.func @align_ids_rank(%ids: tensor<32xi32>) {
  %s, %b, %c = moe.align %ids experts 8 block_m 16 : tensor<32xi32> -> tensor<160xi32>, tensor<10xi32>, tensor<i32>
  return
}
