func.func @plan_waves() attributes {plan = #moe.gemm_plan<block_n = 64, waves_n = 0, slices = 1, group = 1, row_group = 1, loads = registers, unroll = 1>} {
  return
}
