func.func @plan_staged_unroll() attributes {plan = #moe.gemm_plan<block_n = 64, waves_n = 4, slices = 1, group = 1, row_group = 1, loads = async_copy, stages = 3, unroll = 2>} {
  return
}
