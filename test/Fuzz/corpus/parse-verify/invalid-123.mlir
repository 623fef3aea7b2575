func.func @plan_row_dot_stages() attributes {plan = #moe.gemm_plan<block_n = 64, waves_n = 4, slices = 1, group = 2, row_group = 1, loads = row_dot, unroll = 1, stages = 2>} {
  return
}
