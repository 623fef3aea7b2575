func.func @gate_groups_without_keep(%l: tensor<4x64xf32>) {
  %w:2 = "moe.gate"(%l) <{top_k = 2 : i64, scoring = 1 : i32, n_group = 8 : i64}> : (tensor<4x64xf32>) -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return
}
